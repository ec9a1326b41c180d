/**
 * What the warehouse must never receive. Analysts get read-only SQL on the warehouse, so anything
 * that would let them act as someone else stays in PostgreSQL. Checked by name, so a table or
 * column another area adds later is covered the day it appears; the run log lists what was left
 * out (`raw._ingest_state.excluded_columns`).
 */

/** Whole tables left out, with the reason shown when someone asks for one with --tables. */
const DENIED_TABLES: ReadonlyMap<string, string> = new Map([
  // Cached HTTP responses: replaying POST /api-keys returns the new key in clear.
  ['idempotency_keys', 'cached API responses can contain one-time secrets'],
  // The job runtime's run history (jobs/). Not a secret, but bookkeeping of the refresh cycle
  // itself: every cycle writes a row to it, so copying it would make every cycle find a change
  // and re-trigger the next one. `GET /api/v1/jobs/{name}/runs` serves it instead.
  ['job_runs', 'job run history is bookkeeping of the refresh cycle itself'],
  // Analysts' SQL (api/sql): text people typed, which can hold what they searched for (an email,
  // a customer's name) and is theirs, not the business's. The history also gets a row per query,
  // so copying it would make every refresh find a change. GET /api/v1/sql/saved and /history
  // serve them, each person their own.
  ['sql_saved_queries', 'saved queries are SQL text people wrote, served by /api/v1/sql/saved'],
  ['sql_history', 'query history is SQL text people typed, served by /api/v1/sql/history'],
  // Segmentation written back to the CRM (segment/): the `segment` job writes the same run to
  // the warehouse's `ml` schema itself. Copying these back would make every segment run look
  // like a change to the next ingest — the refresh cycle driving itself.
  ['segment_runs', 'segment runs are in the warehouse already, as meta.ml_runs and ml.runs'],
  ['customer_scores', 'customer scores are in the warehouse already, in the ml schema'],
  // The outbox publisher's counter (api/events/publish.ts): one number that moves with every
  // event; the events themselves are copied.
  ['event_counter', "the event publisher's counter is bookkeeping; events are copied"],
  // Webhook delivery state (api/webhooks/): the dispatcher's bookkeeping, a row per event per
  // webhook and per attempt, holding third parties' response text. GET /webhooks/{id}/deliveries
  // serves it; the events themselves are copied.
  ['webhook_deliveries', 'webhook deliveries are dispatcher bookkeeping, served by the API'],
  ['webhook_attempts', 'webhook attempts are dispatcher bookkeeping, served by the API'],
  // The scheduled reports' images (jobs/report.job.ts): PNG bytes, a few hundred kB each, drawn
  // from the warehouse's own marts, so nothing in them is news to it and no model could read
  // them. The report.ready events (copied with the outbox) say what was drawn and when.
  [
    'report_snapshots',
    'report images are drawings of the marts, served by /api/v1/reports/snapshots/{id}.png',
  ],
]);

/** Table name patterns left out: migration bookkeeping and the ingest's own log names. */
const DENIED_TABLE_PATTERNS: readonly RegExp[] = [/^kysely_migration/, /^_ingest/, /secret/i];

/** Column name patterns left out in every table: secrets, their hashes, credentials. */
const DENIED_COLUMN_PATTERNS: readonly RegExp[] = [
  /secret/i,
  /password/i,
  /(^|_)hash$/i, // api_keys.key_hash, webhooks.secret_hash, …
  /(^|_)(token|api_key|private_key)$/i,
];

/** Extra columns left out by exact table.column. */
const DENIED_COLUMNS: ReadonlySet<string> = new Set<string>([
  // A webhook URL is often a credential by itself (Slack, Discord and Zapier put the token in
  // the path). Events and the audit log keep it as origin + fingerprint (api/webhooks/
  // logged-url.ts); GET /api/v1/webhooks shows it whole, to admins.
  'webhooks.url',
]);

/** Why `table` is not copied, or undefined when it is. */
export function tableDenial(table: string): string | undefined {
  const listed = DENIED_TABLES.get(table);
  if (listed) return listed;
  const pattern = DENIED_TABLE_PATTERNS.find((p) => p.test(table));
  return pattern ? `name matches ${pattern}` : undefined;
}

/** True when `table.column` must not be copied. */
export function isColumnDenied(table: string, column: string): boolean {
  return (
    DENIED_COLUMNS.has(`${table}.${column}`) || DENIED_COLUMN_PATTERNS.some((p) => p.test(column))
  );
}
