/**
 * The segmentation panels (issue #16) on the demo, through the real app over HTTP: the Customers
 * dashboard's segments, clusters, churn tree and churn risk list, and the Inventory dashboard's
 * price suggestions. First on a warehouse the segment job has never run on (the start's EXPLAIN
 * check binds every panel, each says there is no run yet), then after runSegmentation. Every
 * figure is checked against the ml tables the run wrote, read directly. After a second run (the
 * movement between runs, every panel drawn): test/dashboards-segment-movement.test.ts.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bindDashboardQueries } from '../dashboards/bind-check.ts';
import { runSegmentation, type SegmentSummary } from '../segment/run.ts';
import { RFM_SEGMENTS } from '../segment/rfm-segments.ts';
import type { TestEnv } from './support/harness.ts';
import { rowsOf, withConnection } from './support/raw-tables.ts';
import {
  label,
  PRICE_PANELS,
  SEGMENT_PANELS,
  segmentPanelCalls,
  startSegmentDemoEnv,
} from './support/segment-demo.ts';

type Row = Record<string, unknown>;

const cents = (v: unknown) => Math.round(Number(v) * 100);

describe.skipIf(!inject('pgAvailable'))('segmentation panels on the demo [postgres]', () => {
  let env: TestEnv;
  let first: SegmentSummary;
  const { data, rows, newestRun } = segmentPanelCalls(() => env);

  beforeAll(async () => {
    env = await startSegmentDemoEnv();
  }, 240_000);
  afterAll(async () => {
    await env?.close();
  });

  describe('before the segment job has run', () => {
    it('binds every panel at start: the ml tables are made empty, not skipped as unbuilt', async () => {
      const before = await rowsOf(
        env.warehouse,
        `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'ml'`,
      );
      expect(before[0]!.n).toBe('0');
      expect(await bindDashboardQueries(env.ctx.dashboards!, env.warehouse)).toEqual([]);
      const made = await rowsOf(
        env.warehouse,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'ml' ORDER BY 1`,
      );
      expect(made.map((r) => r.table_name)).toEqual([
        'mart_churn_scores',
        'mart_customer_clusters',
        'mart_customer_segments',
        'mart_price_suggestions',
        'runs',
        'tree_rules',
      ]);
    });

    it('answers every panel, saying there is no run yet instead of an error', async () => {
      const [tile] = await data('customers', 'segmented-customers');
      expect(tile).toEqual({
        customers: null,
        run: 'No segmentation run yet: the segment job runs nightly and after builds.',
      });
      expect(await data('customers', 'likely-to-churn')).toEqual([{ customers: null, tree: null }]);
      expect(await data('customers', 'churn-revenue')).toEqual([{ revenue: null, share: null }]);
      for (const panel of SEGMENT_PANELS.slice(3))
        expect(await data('customers', panel)).toEqual([]);
      for (const panel of PRICE_PANELS) expect(await data('inventory', panel)).toEqual([]);
      // The page and the drawings say why in the file's words.
      const detail = await env.request('GET', '/api/v1/dashboards/customers', { key: 'analyst' });
      const sizes = detail.body.panels.find((p: Row) => p.id === 'segment-sizes');
      expect(sizes.empty).toMatch(/^No segmentation run yet: the segment job runs nightly/);
      const svg = await fetch(
        `${env.baseUrl}/api/v1/dashboards/customers/panels/segment-sizes.svg`,
        { headers: { authorization: `Bearer ${env.keys.analyst}` } },
      );
      expect(await svg.text()).toContain('No segmentation run yet');
    });
  });

  describe('after a run', () => {
    beforeAll(async () => {
      first = await withConnection(env.warehouse, (conn) =>
        runSegmentation({ db: env.ops.db, conn }),
      );
    }, 120_000);

    it('shows which run the panels read, and how many customers it scored', async () => {
      const run = await newestRun();
      expect(run).toBe(first.runId);
      const segmented = Object.values(first.segments).reduce((a, b) => a + b, 0);
      const [tile] = await data('customers', 'segmented-customers');
      expect(tile).toEqual({
        customers: segmented, // no demo customer is deleted
        run: `Run ${run}, as of 1 Jul 2026 · ${first.clusters!.k} clusters`,
      });
      const [churn] = await data('customers', 'likely-to-churn');
      const likely = await rowsOf(
        env.warehouse,
        `SELECT count(*) AS n FROM ml.mart_churn_scores
         WHERE run_id = ${run} AND churn_probability >= 0.5`,
      );
      expect(churn!.customers).toBe(Number(likely[0]!.n));
      expect(churn!.tree).toBe(
        `of ${segmented} scored · the tree was right on ${Math.round(100 * first.churn!.accuracy!)}% ` +
          `of ${(await rowsOf(env.warehouse, `SELECT metrics->>'$.n' AS n FROM ml.runs WHERE run_id = ${run} AND kind = 'churn'`))[0]!.n} ` +
          `held-out customers, guessing the majority on ${Math.round(100 * first.churn!.baseline!)}%`,
      );
      const [revenue] = await data('customers', 'churn-revenue');
      const expected = await rowsOf(
        env.warehouse,
        `SELECT CAST(sum(s.revenue) AS DECIMAL(38, 2)) AS r FROM ml.mart_customer_segments AS s
         JOIN ml.mart_churn_scores AS h USING (run_id, customer_id)
         WHERE run_id = ${run} AND h.churn_probability >= 0.5`,
      );
      expect(revenue!.revenue).toBe(expected[0]!.r);
      expect(revenue!.share).toMatch(/^\d+% of the scored customers' revenue$/);
    });

    it("sizes the segments by customers and revenue, best segment first, summing to the run's", async () => {
      const sizes = await data('customers', 'segment-sizes');
      const customers = sizes.filter((r) => r.measure === 'Customers');
      const revenue = sizes.filter((r) => r.measure === 'Revenue');
      // Every segment of the run, in the order segment/rfm-segments.ts lists them.
      const present = RFM_SEGMENTS.filter((s) => first.segments[s]);
      expect(customers.map((r) => r.segment)).toEqual(present.map(label));
      expect(customers.map((r) => r.customers)).toEqual(present.map((s) => first.segments[s]));
      for (const list of [customers, revenue])
        expect(list.reduce((a, r) => a + Number(r.share), 0)).toBeCloseTo(1, 12);
      // Revenue to the cent: each segment's, against the run's rows.
      const expected = await rowsOf(
        env.warehouse,
        `SELECT segment, CAST(sum(revenue) AS DECIMAL(38, 2)) AS revenue
         FROM ml.mart_customer_segments WHERE run_id = ${first.runId} GROUP BY segment`,
      );
      for (const e of expected)
        expect(cents(revenue.find((r) => r.segment === label(String(e.segment)))!.revenue)).toBe(
          cents(e.revenue),
        );
    });

    it('says movement needs two runs while there is one', async () => {
      expect(await data('customers', 'segment-movement')).toEqual([]);
      expect(await rows('customers', 'segment-movement')).toEqual([]);
      const detail = await env.request('GET', '/api/v1/dashboards/customers', { key: 'analyst' });
      const movement = detail.body.panels.find((p: Row) => p.id === 'segment-movement');
      expect(movement.empty).toMatch(/^Movement needs two segmentation runs to compare/);
    });

    it('plots every customer with revenue in its labelled cluster', async () => {
      const points = await data('customers', 'customer-clusters');
      expect(points.length).toBe(first.clusters!.sizes.reduce((a, b) => a + b, 0));
      expect(new Set(points.map((p) => p.cluster_label))).toEqual(new Set(first.clusters!.labels));
      for (const p of points) {
        expect(p.revenue, String(p.code)).toBeGreaterThan(0); // the log scale needs it
        expect(p.code).toMatch(/^C\d+$/);
        expect(typeof p.customer).toBe('string');
      }
    });

    it("lists the churn tree's rules, riskiest first, with the customers each covers now", async () => {
      const rules = await data('customers', 'churn-tree');
      expect(rules.length).toBe(first.churn!.leaves);
      for (const r of rules) expect(r.rule).toMatch(/^(IF .* )?THEN churn \d\.\d\d \(n=\d+\)$/);
      const risks = rules.map((r) => Number(r.churn_risk));
      expect(risks).toEqual([...risks].sort((a, b) => b - a));
      const scored = await rowsOf(
        env.warehouse,
        `SELECT count(*) AS n FROM ml.mart_churn_scores WHERE run_id = ${first.runId}`,
      );
      expect(rules.reduce((a, r) => a + Number(r.customers), 0)).toBe(Number(scored[0]!.n));
      // Each rule's figure is its leaf's probability, as the rule text rounds it.
      for (const r of rules)
        expect(String(r.rule)).toContain(`THEN churn ${Number(r.churn_risk).toFixed(2)} `);
    });

    it('lists the customers most likely to churn, most valuable first among equals, each linked', async () => {
      const list = await data('customers', 'churn-risk');
      expect(list.length).toBe(25);
      const top = await rowsOf(
        env.warehouse,
        `SELECT max(churn_probability) AS p FROM ml.mart_churn_scores WHERE run_id = ${first.runId}`,
      );
      expect(list[0]!.churn_risk).toBeCloseTo(Number(top[0]!.p), 4);
      for (let i = 1; i < list.length; i++) {
        const [a, b] = [list[i - 1]!, list[i]!];
        expect(Number(a.churn_risk)).toBeGreaterThanOrEqual(Number(b.churn_risk));
        if (a.churn_risk === b.churn_risk)
          expect(cents(a.revenue)).toBeGreaterThanOrEqual(cents(b.revenue));
      }
      for (const r of list) {
        expect(r.revenue).toMatch(/^\d+\.\d\d$/); // money as an exact decimal
        expect(RFM_SEGMENTS.map(label)).toContain(r.segment);
        expect(r.why).not.toMatch(/^IF|THEN/);
      }
      // Drill-through: every scored customer, riskiest first, each row linked to its customer.
      const behind = await rows('customers', 'churn-risk', '?limit=5');
      expect(behind[0]!.churn_risk).toBe(list[0]!.churn_risk);
      const url = String(behind[0]!.customerUrl);
      expect(url).toBe(`/api/v1/customers/${String(behind[0]!.customer_id)}`);
      const customer = await env.request('GET', url, { key: 'analyst' });
      expect(customer.status).toBe(200);
      expect(customer.body.code).toBe(behind[0]!.code);
      // An executive may not open customers: no link.
      const exec = await rows('customers', 'churn-risk', '?limit=5', 'executive');
      expect(exec.some((r) => 'customerUrl' in r)).toBe(false);
    });

    it("narrows every panel to a team's customers (their owner's team now)", async () => {
      const [team] = await env.ops.db.selectFrom('teams').select('id').orderBy('id').execute();
      const owned = await rowsOf(
        env.warehouse,
        `SELECT count(*) AS n FROM ml.mart_customer_segments AS s
         JOIN marts.mart_customer_value AS v USING (customer_id)
         WHERE s.run_id = ${first.runId} AND v.owner_team_id = ${team!.id}`,
      );
      const n = Number(owned[0]!.n);
      expect(n).toBeGreaterThan(0);
      expect(
        (await data('customers', 'segmented-customers', `?team=${team!.id}`))[0]!.customers,
      ).toBe(n);
      const sizes = await data('customers', 'segment-sizes', `?team=${team!.id}`);
      expect(
        sizes.filter((r) => r.measure === 'Customers').reduce((a, r) => a + Number(r.customers), 0),
      ).toBe(n);
      expect((await data('customers', 'customer-clusters', `?team=${team!.id}`)).length).toBe(n);
      const rules = await data('customers', 'churn-tree', `?team=${team!.id}`);
      expect(rules.reduce((a, r) => a + Number(r.customers), 0)).toBe(n);
      expect((await rows('customers', 'churn-risk', `?team=${team!.id}&limit=1000`)).length).toBe(
        n,
      );
    });

    it('suggests prices: category elasticities, and the products with the most margin to gain first', async () => {
      const categories = await data('inventory', 'category-elasticity');
      const fits = await rowsOf(
        env.warehouse,
        `SELECT category, elasticity FROM ml.mart_price_suggestions
         WHERE run_id = ${first.runId} AND level = 'category' AND elasticity IS NOT NULL
         ORDER BY elasticity`,
      );
      expect(categories.map((c) => [c.category, c.elasticity])).toEqual(
        fits.map((f) => [f.category, f.elasticity]),
      );
      for (const c of categories)
        expect(c.demand).toBe(Number(c.elasticity) < -1 ? 'Elastic' : 'Inelastic');

      const list = await data('inventory', 'price-suggestions');
      expect(list.length).toBe(Math.min(25, first.prices.suggested));
      for (const p of list) {
        expect(p.suggested_price).toMatch(/^\d+\.\d\d$/);
        expect(p.list_price).toMatch(/^\d+\.\d+$/);
        // Priced with the own fit, or the category's when the own strays more than 1 from it.
        expect(Number(p.used_elasticity)).toBeLessThan(-1);
        expect(p.used_elasticity).toBe(p.basis === 'own fit' ? p.elasticity : p.used_elasticity);
        expect(['own fit', 'category']).toContain(p.basis);
        // Within ±20 % of today's price, and the change says so.
        const ratio = Number(p.suggested_price) / Number(p.list_price);
        expect(Math.abs(ratio - 1)).toBeLessThanOrEqual(0.2 + 0.005);
        expect(Number(p.price_change)).toBeCloseTo(ratio - 1, 2);
      }
      const gains = list.filter((p) => p.margin_gain !== null).map((p) => cents(p.margin_gain));
      expect(gains).toEqual([...gains].sort((a, b) => b - a));
      // Show rows: every product of the run, with why there is no suggestion.
      const all = await rows('inventory', 'price-suggestions', '?limit=1000');
      expect(all.length).toBe(first.prices.products);
      for (const p of all) expect(p.suggested_price === null).toBe(p.reason !== null);

      // The category filter narrows both to the category (and its subcategories).
      const [cat] = await env.ops.db
        .selectFrom('product_categories')
        .select(['id', 'name'])
        .where('name', '=', String(categories[0]!.category))
        .execute();
      const narrowed = await data('inventory', 'category-elasticity', `?category=${cat!.id}`);
      expect(narrowed.map((c) => c.category)).toEqual([cat!.name]);
      const products = await rows(
        'inventory',
        'price-suggestions',
        `?category=${cat!.id}&limit=1000`,
      );
      expect(products.length).toBeGreaterThan(0);
      expect(new Set(products.map((p) => p.category))).toEqual(new Set([cat!.name]));
    });

    it('lets analysts read ml.* in the SQL API, and still not meta.*', async () => {
      const read = await env.request('POST', '/api/v1/sql', {
        key: 'analyst',
        body: { sql: "SELECT count(*) AS n FROM ml.tree_rules WHERE kind = 'churn'" },
      });
      expect(read.status, read.text).toBe(200);
      expect(read.body.rows).toEqual([[String(first.churn!.leaves)]]);
      const meta = await env.request('POST', '/api/v1/sql', {
        key: 'analyst',
        body: { sql: 'SELECT * FROM meta.ml_runs' },
      });
      expect(meta.status).toBe(422);
      expect(meta.body.detail).toMatch(/meta\.ml_runs is outside the schemas/);
      // The console's schema list (its sidebar and autocompletion) has them too.
      const schema = await env.request('GET', '/api/v1/sql/schema', { key: 'analyst' });
      const listed = (schema.body.items as Row[]).map((i) => `${i.schema}.${i.name}`);
      expect(listed).toEqual(
        expect.arrayContaining(['ml.runs', 'ml.tree_rules', 'ml.mart_churn_scores']),
      );
      expect(listed.filter((n) => n.startsWith('meta.'))).toEqual([]);
    });
  });
});
