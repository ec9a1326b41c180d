/** The built-in dashboards' Vega-Lite specs validate against the Vega-Lite 6 schema. */
import { describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, loadDashboards } from '../dashboards/catalog.ts';
import { validateSpec } from '../dashboards/render.ts';

describe('dashboard specs', () => {
  it('the built-in specs validate against the Vega-Lite 6 schema', async () => {
    expect(validateSpec({ mark: 'barr' }), 'a bad spec fails').not.toEqual([]);
    const catalog = await loadDashboards(DASHBOARDS_DIR);
    expect([...catalog.keys()]).toContain('executive');
    for (const d of catalog.values())
      for (const p of d.panels.filter((x) => x.vegaLite))
        expect(validateSpec(p.vegaLite), `${d.file} panel ${p.id}`).toEqual([]);
  });
});
