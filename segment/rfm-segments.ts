/**
 * The RFM segment codes `marts.mart_customer_rfm.segment` takes (issue #16), best first, for code
 * that filters or validates by segment. The SQL model is where a customer gets one (the score →
 * segment table is in docs/segmentation.md); test/segment-rfm.test.ts keeps this list, the
 * model's accepted_values test and the documented table the same.
 */
export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalists',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose',
  'hibernating',
  'lost',
] as const;

/** One RFM segment code. */
export type RfmSegment = (typeof RFM_SEGMENTS)[number];
