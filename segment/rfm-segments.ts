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

/**
 * Each segment as a person reads it: what a follow-up task's subject says ("Can't lose", not
 * "cant_lose"), the same words as the Customers dashboard's panels.
 */
export const RFM_SEGMENT_LABELS: Readonly<Record<RfmSegment, string>> = {
  champions: 'Champions',
  loyal: 'Loyal',
  potential_loyalists: 'Potential loyalists',
  new: 'New',
  promising: 'Promising',
  need_attention: 'Need attention',
  about_to_sleep: 'About to sleep',
  at_risk: 'At risk',
  cant_lose: "Can't lose",
  hibernating: 'Hibernating',
  lost: 'Lost',
};

/** The label of `code`, or the code itself when it is none of ours (an older run's). */
export const rfmSegmentLabel = (code: string): string =>
  (RFM_SEGMENT_LABELS as Record<string, string>)[code] ?? code;
