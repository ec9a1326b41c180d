/**
 * What the report suites (test/reports-catalog.test.ts, test/reports-job.test.ts) expect of the
 * built-in reports of dashboards/reports.yaml, stated once so the two cannot disagree.
 */

/**
 * The panels of `executive-weekly`, in the executive dashboard's order; its monthly chart is left
 * out (one week is one or two months).
 */
export const EXECUTIVE_WEEKLY_PANELS = [
  'revenue',
  'orders',
  'average-order-value',
  'gross-margin',
  'revenue-by-category',
  'revenue-by-country',
  'top-customers',
  'top-products',
];
