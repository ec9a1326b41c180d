/** Quota periods are pure calendar arithmetic. */
import { describe, expect, it } from 'vitest';
import { alignmentProblem, periodEnd, periodsOverlap } from '../api/teams/periods.ts';

describe('quota periods', () => {
  it('ends a period on the first day after it', () => {
    expect(periodEnd('month', '2026-12-01')).toBe('2027-01-01');
    expect(periodEnd('quarter', '2026-10-01')).toBe('2027-01-01');
    expect(periodEnd('year', '2026-01-01')).toBe('2027-01-01');
    expect(periodEnd('month', '2024-02-01')).toBe('2024-03-01');
  });

  it('accepts only calendar-aligned starts', () => {
    expect(alignmentProblem('month', '2026-03-01')).toBeNull();
    expect(alignmentProblem('month', '2026-03-02')).toMatch(/first day/);
    expect(alignmentProblem('quarter', '2026-07-01')).toBeNull();
    expect(alignmentProblem('quarter', '2026-08-01')).toMatch(/quarter/);
    expect(alignmentProblem('year', '2026-01-01')).toBeNull();
    expect(alignmentProblem('year', '2026-04-01')).toMatch(/1 January/);
  });

  it('detects overlapping periods', () => {
    const q2 = { type: 'quarter' as const, start: '2026-04-01' };
    expect(periodsOverlap(q2, { type: 'quarter', start: '2026-04-01' })).toBe(true);
    expect(periodsOverlap(q2, { type: 'quarter', start: '2026-07-01' })).toBe(false);
    expect(periodsOverlap(q2, { type: 'month', start: '2026-06-01' })).toBe(true);
    expect(periodsOverlap(q2, { type: 'month', start: '2026-03-01' })).toBe(false);
    expect(periodsOverlap(q2, { type: 'year', start: '2026-01-01' })).toBe(true);
  });
});
