/** Stage rules are pure: probability defaults and overrides, lost reasons, closing, reopening. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBABILITY, planStage, type StageState } from '../api/opportunities/stages.ts';

const now = new Date('2026-05-01T12:00:00Z');
const state = (over: Partial<StageState> = {}): StageState => ({
  stage: 'qualified',
  probability: '0.2500',
  lostReason: null,
  closedAt: null,
  orderId: null,
  ...over,
});

describe('opportunity stages', () => {
  it('starts as a lead with its default probability', () => {
    expect(planStage(null, {}, now)).toEqual({
      ok: true,
      stageChanged: true,
      next: {
        stage: 'lead',
        probability: DEFAULT_PROBABILITY.lead,
        lostReason: null,
        closedAt: null,
      },
    });
  });

  it('uses the new stage default unless a probability is given, and keeps an override otherwise', () => {
    const moved = planStage(state(), { stage: 'proposal' }, now);
    expect(moved.ok && moved.next.probability).toBe('0.5000');
    const overridden = planStage(state(), { stage: 'proposal', probability: '0.4' }, now);
    expect(overridden.ok && overridden.next.probability).toBe('0.4');
    const kept = planStage(state({ probability: '0.3300' }), {}, now);
    expect(kept.ok && kept.next.probability).toBe('0.3300');
    expect(kept.ok && kept.stageChanged).toBe(false);
  });

  it('requires a lost reason, fixes won/lost probabilities and stamps the close', () => {
    const noReason = planStage(state(), { stage: 'lost' }, now);
    expect(noReason).toMatchObject({
      ok: false,
      code: 'unprocessable',
      errors: [{ field: 'lostReason' }],
    });
    const lost = planStage(state(), { stage: 'lost', lostReason: 'price' }, now);
    expect(lost).toMatchObject({
      ok: true,
      next: { probability: '0.0000', lostReason: 'price', closedAt: now },
    });
    const won = planStage(state(), { stage: 'won', probability: '1' }, now);
    expect(won).toMatchObject({ ok: true, next: { probability: '1.0000', closedAt: now } });
    expect(planStage(state(), { stage: 'won', probability: '0.9' }, now)).toMatchObject({
      ok: false,
      errors: [{ field: 'probability' }],
    });
    // Editing a lost one keeps its reason and its close time.
    const earlier = new Date('2026-01-01T00:00:00Z');
    const edit = planStage(
      state({ stage: 'lost', lostReason: 'price', closedAt: earlier }),
      {},
      now,
    );
    expect(edit).toMatchObject({ ok: true, next: { lostReason: 'price', closedAt: earlier } });
  });

  it('reopens lost ones (clearing reason and close) but not won ones that have an order', () => {
    const reopened = planStage(
      state({ stage: 'lost', lostReason: 'x', closedAt: now }),
      { stage: 'lead' },
      now,
    );
    expect(reopened).toMatchObject({
      ok: true,
      next: { stage: 'lead', lostReason: null, closedAt: null },
    });
    expect(
      planStage(state({ stage: 'won', orderId: 4 }), { stage: 'negotiation' }, now),
    ).toMatchObject({
      ok: false,
      code: 'conflict',
    });
    expect(
      planStage(state({ stage: 'won', orderId: null }), { stage: 'negotiation' }, now).ok,
    ).toBe(true);
    expect(planStage(state(), { lostReason: 'nope' }, now)).toMatchObject({
      ok: false,
      errors: [{ field: 'lostReason' }],
    });
  });
});
