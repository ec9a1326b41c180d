/**
 * Applies the follow-up rules: gathers causes, asks the pure evaluator, inserts the activities it
 * plans. Called by the event that triggers a rule (customer creation, inside its transaction), by
 * `POST /followup-rules/apply`, and by scheduled jobs: `follow-ups` (deliveries, idle
 * opportunities, churn risk) and `segment` after each run (churn risk of the new run at once).
 * Each activity carries (followup_rule_id, cause_key); the unique index on that pair plus
 * ON CONFLICT DO NOTHING means a rule never fires twice for one cause, even when two runs race.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../../db/schema.ts';
import type { FollowupTrigger } from '../../../db/schema-crm.ts';
import { recordAudit } from '../../audit/audit.ts';
import type { Principal } from '../../auth/principal.ts';
import { toActivityDto } from '../schemas.ts';
import { recordEvent } from '../../events/record-event.ts';
import {
  DEFAULT_IDLE_DAYS,
  evaluateFollowups,
  type EvaluatedRule,
  type FollowupCause,
} from './evaluate.ts';
import * as repo from './repository.ts';
import { followupAction, followupCondition } from './schemas.ts';

const DAY_MS = 86_400_000;

/** What to apply; everything optional. */
export interface ApplyOptions {
  /** Evaluation time (default: now). */
  now?: Date;
  /** Whose action this is, for the audit log (null: the scheduler). */
  principal?: Principal | null;
  /** Only rules with these triggers (default: all). */
  triggers?: FollowupTrigger[];
  /** Only causes concerning this customer / order / opportunity. */
  only?: repo.CauseFilter;
}

export interface ApplyResult {
  created: number;
  activityIds: number[];
}

/**
 * Apply active follow-up rules now. Given a Transaction it works inside it (so the triggering
 * write and its follow-ups commit together); given a Kysely it opens its own.
 */
export async function applyFollowupRules(
  db: Kysely<DB> | Transaction<DB>,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  if (!db.isTransaction) return db.transaction().execute((trx) => applyFollowupRules(trx, opts));
  const now = opts.now ?? new Date();
  const only = opts.only ?? {};
  const rules: EvaluatedRule[] = [];
  for (const r of await repo.listRules(db, { activeOnly: true, triggers: opts.triggers })) {
    const condition = followupCondition.safeParse(r.condition ?? {});
    const action = followupAction.safeParse(r.action);
    // A rule whose stored JSON no longer validates is skipped rather than failing every run.
    if (!condition.success || !action.success) continue;
    rules.push({
      id: r.id,
      trigger: r.trigger,
      condition: condition.data,
      action: action.data,
      createdAt: r.created_at,
    });
  }

  const planned = [];
  for (const rule of rules) {
    let causes: FollowupCause[] = [];
    if (rule.trigger === 'order_delivered') causes = await repo.deliveredCauses(db, rule, only);
    if (rule.trigger === 'customer_created') causes = await repo.newCustomerCauses(db, rule, only);
    if (rule.trigger === 'opportunity_idle') {
      const days = rule.condition.idleDays ?? DEFAULT_IDLE_DAYS;
      causes = await repo.idleOpportunityCauses(db, new Date(now.getTime() - days * DAY_MS), only);
    }
    if (rule.trigger === 'churn_risk') causes = await repo.churnRiskCauses(db, rule, only);
    planned.push(...evaluateFollowups([rule], causes, now));
  }
  if (!planned.length) return { created: 0, activityIds: [] };

  const rows = await db
    .insertInto('activities')
    .values(
      planned.map((p) => ({
        activity_type: p.type,
        subject: p.subject,
        customer_id: p.customerId,
        order_id: p.orderId,
        opportunity_id: p.opportunityId,
        owner_rep_id: p.ownerRepId,
        due_at: p.dueAt,
        followup_rule_id: p.ruleId,
        cause_key: p.causeKey,
      })),
    )
    .onConflict((oc) =>
      oc
        .columns(['followup_rule_id', 'cause_key'])
        .where('followup_rule_id', 'is not', null)
        .doNothing(),
    )
    .returningAll()
    .execute();
  for (const row of rows) {
    const dto = toActivityDto(row);
    await recordAudit(db, {
      principal: opts.principal,
      entity: 'activity',
      entityId: row.id,
      action: 'create',
      after: dto,
      events: [recordEvent('activity', 'created', dto, opts.principal, dto.customerId)],
    });
  }
  return { created: rows.length, activityIds: rows.map((r) => r.id) };
}
