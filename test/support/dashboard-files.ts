/** Dashboard files written for a test: a good panel to start from, and a folder holding one file. */
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './harness.ts';

/** One KPI panel `p` over marts.mart_sales_lines with the `from` filter: it loads and runs. */
export const PANEL = `
  - id: p
    title: P
    filters: [from]
    kpi: { value: n }
    query: SELECT count(*) AS n FROM marts.mart_sales_lines WHERE order_date >= $from`;

/**
 * A new folder holding `<name>.yaml`: the dashboard `name`, open to analysts, with the `from`
 * filter and the panels of `body` (YAML list items, as PANEL). The caller removes the folder.
 */
export function dashboardFile(body: string, name = 'bad'): string {
  const dir = tempDir('salesops-dash-');
  fs.writeFileSync(
    path.join(dir, `${name}.yaml`),
    `id: ${name}\ntitle: Bad\nroles: [analyst]\nfilters: [from]\npanels:${body}\n`,
  );
  return dir;
}
