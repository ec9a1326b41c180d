/**
 * The segmentation journeys (issue #16) on the running demo: the first start segmented the
 * customers by itself; a manager finds her customers at risk and what the run says of one; the
 * admin adds a churn follow-up rule and segments again with the CLI beside the server, and the
 * reps get their tasks once; a manager reviews the price suggestions, which staff may not. Steps
 * of the one story in users.test.ts, reading its shared state (`j`) when each runs.
 */
import { describe, expect, it } from 'vitest';
import { items, show } from './support.ts';
import type { Journey } from './readers.ts';

interface Scored {
  id: number;
  segment: string | null;
  rfm: { recency: number; frequency: number; monetary: number; cell: string } | null;
  cluster: { id: number; label: string } | null;
  churnRisk: number | null;
  scoreRun: { id: number; asOf: string | null } | null;
  blocked: boolean;
}

export function segmentJourneys(j: Journey): void {
  describe('a manager looks at who is slipping away', () => {
    it('finds the first start already segmented the customers', async () => {
      expect(j.server!.stdout).toMatch(
        /segment run #\d+ as of \d{4}-\d\d-\d\d: \d+ customers scored/,
      );
      // The first start's run; later cycles (the journeys before this one wrote data) may have
      // queued more, skipped when they would only repeat it.
      const runs = items(await j.admin.get('/jobs/segment/runs')); // newest first
      expect(runs.at(-1)).toMatchObject({ job: 'segment', status: 'succeeded' });
    });

    it('lists her customers at risk, each with the segment, scores and run it came from', async () => {
      const r = await j.manager.get('/customers?segment=at_risk&limit=100');
      expect(r.status, show(r)).toBe(200);
      const atRisk = items(r) as Scored[];
      expect(atRisk.length).toBeGreaterThan(0);
      const runIds = new Set(atRisk.map((c) => c.scoreRun?.id));
      expect(runIds.size).toBe(1);
      for (const c of atRisk) {
        expect(c.segment).toBe('at_risk');
        expect(c.rfm!.cell).toBe(`${c.rfm!.recency}${c.rfm!.frequency}${c.rfm!.monetary}`);
      }
      const one = await j.manager.get(`/customers/${atRisk[0]!.id}`);
      expect(one.status, show(one)).toBe(200);
      expect(one.body).toMatchObject({
        segment: 'at_risk',
        rfm: atRisk[0]!.rfm,
        cluster: { id: expect.any(Number), label: expect.any(String) },
        scoreRun: { id: atRisk[0]!.scoreRun!.id },
      });
      const bad = await j.manager.get('/customers?segment=slipping');
      expect(bad.status).toBe(400);
      expect(bad.text).toMatch(/segment.*at_risk/);
    });
  });

  describe('the admin turns churn risk into tasks', () => {
    it('adds a churn rule, segments with the CLI beside the server, and reps get each task once', async () => {
      const rule = await j.admin.post('/followup-rules', {
        name: 'Call valuable customers at risk',
        trigger: 'churn_risk',
        condition: { minChurnRisk: 0.6, minMonetaryScore: 4 },
        action: {
          activityType: 'task',
          subject: 'Call {customer}: {churnRisk} churn risk',
          dueInDays: 2,
        },
      });
      expect(rule.status, show(rule)).toBe(201);
      const r = await j.inst.cli(['segment', '--key', j.server!.adminKey!]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const runId = Number(/segment run #(\d+)/.exec(r.stdout)![1]);
      const beats = !/not better: no churn follow-ups/.test(r.stdout);
      // Who the rule is for, as the API shows the newest run.
      const risky = (
        items(await j.admin.get('/customers?churnRiskMin=0.6&limit=500')) as Scored[]
      ).filter((c) => c.scoreRun!.id === runId && c.rfm!.monetary >= 4 && !c.blocked);
      const tasks = items(await j.admin.get('/activities?type=task&open=true&limit=500')).filter(
        (a: { subject: string }) => /churn risk$/.test(a.subject),
      );
      expect(tasks.length).toBe(beats ? risky.length : 0);
      expect(new Set(tasks.map((t: { customerId: number }) => t.customerId))).toEqual(
        new Set(beats ? risky.map((c) => c.id) : []),
      );
      // Applying again makes nothing twice.
      const again = await j.admin.post('/followup-rules/apply');
      expect(again.status, show(again)).toBe(200);
      expect(again.body.created).toBe(0);
      // The rule and its tasks reach the warehouse like any write: the next ingest and build
      // succeed (a staging test that did not know the churn_risk trigger failed every build).
      const refresh = await j.inst.cli(['jobs', 'run', 'ingest', '--key', j.server!.adminKey!]);
      expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
      expect(refresh.stdout).toMatch(/^job run #\d+ \(build\) (succeeded|skipped)/m);
    });
  });

  describe('a manager reviews price suggestions', () => {
    it('reads each category fit beside its products; a product answers the same; staff may not', async () => {
      const list = await j.manager.get('/price-suggestions?limit=500');
      expect(list.status, show(list)).toBe(200);
      const all = items(list);
      const category = all.find((i: { level: string }) => i.level === 'category');
      expect(category).toMatchObject({ level: 'category', elasticity: expect.any(Number) });
      const product = all.find(
        (i: { level: string; suggestion: unknown }) => i.level === 'product' && i.suggestion,
      );
      expect(product.suggestion.price).toMatch(/^\d+\.\d{2}$/);
      const one = await j.manager.get(`/products/${product.productId}/price-suggestion`);
      expect(one.status, show(one)).toBe(200);
      expect(one.body).toMatchObject({
        productId: product.productId,
        suggestion: product.suggestion,
      });
      expect((await j.staff.get('/price-suggestions')).status).toBe(403);
    });
  });
}
