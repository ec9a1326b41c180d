/**
 * The pipeline's stage rules, pure: default probability per stage (overridable), closing and
 * reopening, and "lost needs a reason". The service asks `planStage` before writing anything.
 */
import type { FieldError } from '../errors.ts';

export const STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'] as const;
export type Stage = (typeof STAGES)[number];

/** Stages that count as pipeline (docs/metrics.md: open = not won or lost). */
export const OPEN_STAGES: readonly Stage[] = ['lead', 'qualified', 'proposal', 'negotiation'];

/** Probability a stage implies unless the caller overrides it (numeric(5,4) as stored). */
export const DEFAULT_PROBABILITY: Record<Stage, string> = {
  lead: '0.1000',
  qualified: '0.2500',
  proposal: '0.5000',
  negotiation: '0.7500',
  won: '1.0000',
  lost: '0.0000',
};

/** The stage-related fields of an opportunity as stored. */
export interface StageState {
  stage: Stage;
  probability: string;
  lostReason: string | null;
  closedAt: Date | null;
  orderId: number | null;
}

/** What the caller asked for (undefined = not given). */
export interface StageRequest {
  stage?: Stage;
  probability?: string;
  lostReason?: string | null;
}

export type StagePlan =
  | { ok: true; next: Omit<StageState, 'orderId'>; stageChanged: boolean }
  | { ok: false; code: 'unprocessable' | 'conflict'; message: string; errors: FieldError[] };

const sameFraction = (a: string, b: string) => Number(a) === Number(b);

/**
 * The stage, probability, lost reason and close time after applying `req` to `before`
 * (null = a new opportunity), or why it is refused.
 */
export function planStage(before: StageState | null, req: StageRequest, now: Date): StagePlan {
  const stage = req.stage ?? before?.stage ?? 'lead';
  const stageChanged = before === null || stage !== before.stage;
  const fail = (code: 'unprocessable' | 'conflict', field: string, message: string): StagePlan => ({
    ok: false,
    code,
    message: `${field}: ${message}`,
    errors: [{ field, in: 'body', message }],
  });

  if (before?.stage === 'won' && before.orderId !== null && stage !== 'won') {
    return fail('conflict', 'stage', `is won with order ${before.orderId}; it cannot be reopened`);
  }

  let probability: string;
  if (stage === 'won' || stage === 'lost') {
    probability = DEFAULT_PROBABILITY[stage];
    if (req.probability !== undefined && !sameFraction(req.probability, probability)) {
      return fail('unprocessable', 'probability', `is always ${Number(probability)} when ${stage}`);
    }
  } else if (req.probability !== undefined) {
    probability = req.probability;
  } else if (stageChanged) {
    probability = DEFAULT_PROBABILITY[stage];
  } else {
    probability = before!.probability;
  }

  let lostReason: string | null = null;
  if (stage === 'lost') {
    lostReason = req.lostReason !== undefined ? req.lostReason : (before?.lostReason ?? null);
    if (!lostReason)
      return fail('unprocessable', 'lostReason', 'is required when the stage is lost');
  } else if (req.lostReason) {
    return fail('unprocessable', 'lostReason', 'applies only when the stage is lost');
  }

  const closed = stage === 'won' || stage === 'lost';
  const closedAt = !closed ? null : stageChanged || !before?.closedAt ? now : before.closedAt;
  return { ok: true, stageChanged, next: { stage, probability, lostReason, closedAt } };
}
