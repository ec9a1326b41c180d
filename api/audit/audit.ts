/**
 * The audit log: who (API key and/or signed-in user), what (entity, id, JSON diff of the change), when — written in
 * the same transaction as the change itself, so an audited write can never be half-recorded.
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { AuditLogTable, DB } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { recordEvents, type BusinessEvent } from '../events/outbox.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** {field: {from, to}} for every field whose JSON value differs; `before` null for creates. */
export function diffRecords(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const k of keys) {
    if (k === 'updated_at' || k === 'updatedAt') continue; // changes on every write; noise
    const from = normalise(before?.[k]);
    const to = normalise(after?.[k]);
    if (JSON.stringify(from) !== JSON.stringify(to)) out[k] = { from, to };
  }
  return out;
}

function normalise(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  return v === undefined ? null : v;
}

/** What one audit entry says: who, which record, what was done, and the state before and after. */
export interface AuditEntry {
  principal: Principal | null | undefined;
  entity: string;
  entityId: string | number;
  action: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /**
   * The business events of the change (api/events/outbox.ts), written with the audit row so a
   * write that is audited cannot forget them; skipped with it when an update changed nothing.
   */
  events?: readonly BusinessEvent[];
}

/**
 * The audit_log row for an entry, for callers that fold the insert into a larger statement
 * (the order actions write order, event and audit row in one round trip).
 */
export function auditRow(entry: AuditEntry): Insertable<AuditLogTable> {
  return {
    api_key_id: entry.principal?.keyId ?? null,
    user_id: entry.principal?.userId ?? null,
    entity: entry.entity,
    entity_id: String(entry.entityId),
    action: entry.action,
    diff: JSON.stringify(diffRecords(entry.before, entry.after)),
  };
}

/**
 * Append one audit row inside the caller's transaction. An update that changed no field (an
 * empty PATCH, or one repeating the current values) is not an event: no row.
 */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  const row = auditRow(entry);
  if (entry.action === 'update' && row.diff === '{}') return;
  await db.insertInto('audit_log').values(row).execute();
  if (entry.events) await recordEvents(db, entry.events);
}
