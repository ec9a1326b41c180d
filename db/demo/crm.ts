/**
 * Demo CRM history: opportunities moving through the pipeline (with their stage history) and
 * activities (calls, emails, meetings, tasks) — some done, some open, some overdue at "now".
 * A few thousand rows at the default size; they scale with the number of customers.
 */
import type { OpportunityStage } from '../schema-crm.ts';
import { businessTimeOfDay, SECONDS_PER_DAY, type DemoWindow } from './calendar.ts';
import { cents, isoDate, isoTimestamp, optText, optTimestamp, text } from './csv.ts';
import type { DemoCustomer } from './people.ts';
import { pickWeighted, type Rng } from './prng.ts';

/** Win probability per stage (the weighted pipeline uses it). */
export const STAGE_PROBABILITY: Readonly<Record<OpportunityStage, number>> = {
  lead: 0.1,
  qualified: 0.25,
  proposal: 0.5,
  negotiation: 0.75,
  won: 1,
  lost: 0,
};
const OPEN_STAGES: readonly OpportunityStage[] = ['lead', 'qualified', 'proposal', 'negotiation'];
/** Chance of being lost when leaving each open stage. */
const LOSS_RATE = [0.3, 0.25, 0.25, 0.3];
const LOST_REASONS = ['price', 'competitor', 'no budget', 'timing', 'no decision'];
const TOPICS = [
  'Office refresh',
  'Annual paper contract',
  'New branch fit-out',
  'Breakroom service',
  'Safety audit kit',
  'IT peripherals rollout',
  'Packaging supply deal',
];

export interface CrmRows {
  opportunities: string[];
  stageHistory: string[];
  activities: string[];
}

/** A day-aligned business time `days` after `sec`. */
function after(rng: Rng, sec: number, days: number): number {
  return (Math.floor(sec / SECONDS_PER_DAY) + days) * SECONDS_PER_DAY + businessTimeOfDay(rng);
}

/** Opportunities (≈ 1.2 per customer) with stage history, then activities (≈ 5 per customer). */
export function buildCrm(
  rng: Rng,
  window: DemoWindow,
  customers: readonly DemoCustomer[],
): CrmRows {
  const out: CrmRows = { opportunities: [], stageHistory: [], activities: [] };
  const now = window.nowSec;
  let historyId = 0;
  let activityId = 0;
  const activity = (
    type: string,
    subject: string,
    c: DemoCustomer,
    oppId: number | null,
    dueSec: number,
  ) => {
    const createdSec = Math.min(dueSec - rng.int(1, 14) * SECONDS_PER_DAY, now - 3600);
    // Past activities are mostly done (close to their due time); the rest are overdue.
    const doneSec =
      dueSec < now && rng.chance(0.88)
        ? Math.min(now - 60, dueSec + rng.int(-7200, 2 * SECONDS_PER_DAY))
        : -1;
    const outcome =
      doneSec < 0
        ? null
        : type === 'call'
          ? rng.pick(['reached', 'voicemail', 'call back'])
          : type === 'meeting'
            ? 'held'
            : type === 'email'
              ? 'sent'
              : 'completed';
    out.activities.push(
      `${++activityId},${type},${text(subject)},${c.id},${oppId ?? ''},${c.ownerRepId},${isoTimestamp(dueSec)},` +
        `${optTimestamp(doneSec)},${optText(outcome)},${isoTimestamp(Math.max(createdSec, c.createdSec))}\n`,
    );
  };

  const oppCount = Math.round(customers.length * 1.2);
  for (let id = 1; id <= oppCount; id++) {
    const c = rng.pick(customers);
    const fromDay = Math.max(window.startDay, Math.floor(c.createdSec / SECONDS_PER_DAY) + 1);
    const createdSec = after(rng, 0, rng.int(fromDay, window.endDay - 1));
    const valueEuros =
      c.group === 'key_account'
        ? rng.int(200, 2000) * 100
        : c.group === 'wholesale'
          ? rng.int(50, 500) * 100
          : rng.int(10, 150) * 100;
    let stage: OpportunityStage = 'lead';
    let sec = createdSec;
    let closedSec = -1;
    let lostReason: string | null = null;
    out.stageHistory.push(`${++historyId},${id},,lead,${isoTimestamp(sec)},${isoTimestamp(sec)}\n`);
    activity('call', `Intro call: ${c.code}`, c, id, sec + 3600);
    for (let s = 0; s < OPEN_STAGES.length; s++) {
      const next = after(rng, sec, rng.int(3, 30));
      if (next >= now) break; // still open at "now"
      const lost = rng.chance(LOSS_RATE[s] as number);
      const to: OpportunityStage = lost
        ? 'lost'
        : ((OPEN_STAGES[s + 1] ?? 'won') as OpportunityStage);
      out.stageHistory.push(
        `${++historyId},${id},${stage},${to},${isoTimestamp(next)},${isoTimestamp(next)}\n`,
      );
      stage = to;
      sec = next;
      if (to === 'proposal') activity('email', `Proposal sent to ${c.code}`, c, id, next);
      if (to === 'negotiation') activity('meeting', `Negotiation with ${c.code}`, c, id, next);
      if (lost || to === 'won') {
        closedSec = next;
        if (lost) lostReason = rng.pick(LOST_REASONS);
        break;
      }
    }
    const closeDate =
      closedSec >= 0
        ? Math.floor(closedSec / SECONDS_PER_DAY)
        : Math.floor(sec / SECONDS_PER_DAY) + rng.int(14, 60);
    out.opportunities.push(
      `${id},${c.id},${c.ownerRepId},${text(`${rng.pick(TOPICS)} – ${c.code}`)},${stage},${cents(valueEuros * 100)},` +
        `${STAGE_PROBABILITY[stage].toFixed(4)},${isoDate(closeDate)},${optTimestamp(closedSec)},${optText(lostReason)},${isoTimestamp(createdSec)}\n`,
    );
  }

  // Account care: regular touches with active customers, and upcoming ones after "now".
  const general = customers.length * 5 - out.activities.length;
  for (let k = 0; k < general; k++) {
    const c = rng.pick(customers);
    const fromDay = Math.max(window.startDay, Math.floor(c.createdSec / SECONDS_PER_DAY) + 1);
    const toDay = Math.min(c.activeTo + 30, window.endDay + 21);
    if (toDay <= fromDay) continue;
    const type = pickWeighted(rng, [
      ['call', 40],
      ['email', 30],
      ['meeting', 10],
      ['task', 20],
    ] as const);
    const subject =
      type === 'task'
        ? `Follow up open quote for ${c.code}`
        : type === 'meeting'
          ? `Account review ${c.code}`
          : `Check-in with ${c.code}`;
    activity(type, subject, c, null, after(rng, 0, rng.int(fromDay, toDay - 1)));
  }
  return out;
}
