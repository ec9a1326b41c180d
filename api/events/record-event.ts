/**
 * The event of a plain record write — `<entity>.created`, `.updated`, `.deleted` and the few
 * other verbs a record's own action names (`customer.restored`, `user.disabled`…). Writers pass
 * it to `recordAudit` with the audit row of the same write, so the two are written (or, for an
 * update that changed nothing, skipped) together. docs/events.md lists every type.
 */
import type { Principal } from '../auth/principal.ts';
import type { BusinessEvent } from './outbox.ts';

/** The record as the API answers it; its `id` names the event's entity. */
export type RecordPayload = { id: string | number } & Record<string, unknown>;

/**
 * `entity.verb` about `payload` (the record as the route answers it). `customerId`: the
 * customer the record belongs to, for records that belong to one (the feeds scope by it).
 */
export function recordEvent(
  entity: string,
  verb: string,
  payload: RecordPayload,
  principal: Principal | null | undefined,
  customerId: number | null = null,
): BusinessEvent {
  return {
    type: `${entity}.${verb}`,
    entity: { type: entity, id: payload.id },
    customerId,
    payload,
    principal: principal ?? null,
  };
}
