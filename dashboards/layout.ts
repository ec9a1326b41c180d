/**
 * How a dashboard's panels are laid out, shared by its page (api/pages/dashboard-views.ts) and the
 * scheduled report's image (dashboards/report-compose.ts), so the two look alike: consecutive KPI
 * tiles share a row of their own (tiles beside a chart would stretch to its height), charts and
 * tables a two-column grid, in the file's order; a table of many columns takes the whole row
 * rather than being squeezed into half of it.
 */
import { panelKind, type LoadedPanel } from './schema.ts';

/** A run of panels: KPI tiles side by side, or charts and tables in two columns. */
export interface PanelGroup<P extends LoadedPanel = LoadedPanel> {
  kpi: boolean;
  panels: P[];
}

/** The panels in runs, in the order given. */
export function panelGroups<P extends LoadedPanel>(panels: readonly P[]): PanelGroup<P>[] {
  const groups: PanelGroup<P>[] = [];
  for (const p of panels) {
    const kpi = panelKind(p) === 'kpi';
    const last = groups.at(-1);
    if (last && last.kpi === kpi) last.panels.push(p);
    else groups.push({ kpi, panels: [p] });
  }
  return groups;
}

/** A table of more than five columns spans both columns of the grid. */
export function isWidePanel(p: LoadedPanel): boolean {
  return (p.table?.columns.length ?? 0) > 5;
}
