/**
 * The dashboard pages' HTML: the list, and one dashboard as the server sends it — title,
 * freshness badge, the filters form (it works without scripts: it submits as a GET), and an
 * empty container per panel with its export links. api/pages/assets/dashboard.js draws the
 * panels into the containers; the filter values the page opened with are in the form already.
 */
import type { Dashboard, FilterName } from '../../dashboards/schema.ts';
import { isWidePanel, panelGroups } from '../../dashboards/layout.ts';
import { panelDrill, panelKind } from '../../dashboards/schema.ts';
import { html, Html, jsonBlock, layout } from './html.ts';
import { VEGA_UTIL_URL } from './vendor.ts';

interface PageUser {
  user: { name: string; role: string };
  csrfToken: string;
}

/**
 * The dashboard pages' stylesheets, in cascade order: the page and its filter bar, the panels,
 * the drill-through rows.
 */
const DASHBOARD_STYLES = html`<link rel="stylesheet" href="/assets/dashboard.css" />
  <link rel="stylesheet" href="/assets/dashboard-panels.css" />
  <link rel="stylesheet" href="/assets/dashboard-rows.css" />`;

/** GET /dashboards: the ones the caller may open, each with its panels' titles. */
export function dashboardListPage(o: PageUser & { dashboards: Dashboard[] }): string {
  return layout({
    title: 'Dashboards',
    ...o,
    wide: true,
    head: DASHBOARD_STYLES,
    body: html`<h1 class="page-title">Dashboards</h1>
      ${
        o.dashboards.length === 0
          ? html`<p class="card">No dashboard is open to your role yet.</p>`
          : html`<ul class="dashboard-list">
              ${o.dashboards.map(
                (d) =>
                  html`<li class="card">
                    <h2><a href="/dashboards/${d.id}">${d.title}</a></h2>
                    ${d.description ? html`<p>${d.description}</p>` : ''}
                    <p class="muted small">${d.panels.map((p) => p.title).join(' · ')}</p>
                  </li>`,
              )}
            </ul>`
      }`,
  });
}

/** A friendly refusal (403) or an unknown dashboard (404), as a page rather than JSON. */
export function dashboardProblemPage(o: PageUser & { status: 403 | 404; message: string }): string {
  return layout({
    title: o.status === 403 ? 'Not for your role' : 'No such dashboard',
    ...o,
    body: html`<section class="card narrow" aria-labelledby="title">
      <h1 id="title">${o.status === 403 ? 'Not for your role' : 'No such dashboard'}</h1>
      <p>${o.message}</p>
      <p><a href="/dashboards">All dashboards</a> · <a href="/">Home</a></p>
    </section>`,
  });
}

/** A choice in a filter's select: its value and the words shown. */
export interface FilterOption {
  value: string;
  label: string;
}

/** What the dashboard page starts with; the script reads `config` from the page. */
export interface DashboardPageInput extends PageUser {
  dashboard: Dashboard;
  nonce: string;
  /** Filter values of the URL (or the default range), as the form shows them. */
  values: Partial<Record<FilterName, string>>;
  /** A manager's own team, fixed in the form. */
  fixedTeam: FilterOption | null;
  /** Data for the script: theme, default range, fixed team (JSON in the page, never run). */
  config: Record<string, unknown>;
}

const LABELS: Record<Exclude<FilterName, 'from' | 'to'>, [string, string]> = {
  team: ['Team', 'All teams'],
  rep: ['Sales rep', 'All reps'],
  category: ['Category', 'All categories'],
  country: ['Country', 'All countries'],
};

/** Quick ranges the filter bar offers (the script computes their dates). */
const PRESETS: [string, string][] = [
  ['this-month', 'This month'],
  ['last-month', 'Last month'],
  ['this-quarter', 'This quarter'],
  ['ytd', 'Year to date'],
  ['last-12-months', 'Last 12 months'],
];

function selectFilter(name: keyof typeof LABELS, o: DashboardPageInput): Html {
  const [label, all] = LABELS[name];
  const value = o.values[name] ?? '';
  if (name === 'team' && o.fixedTeam)
    return html`<label class="filter"
      >${label}
      <select name="team" id="filter-team" disabled>
        <option value="${o.fixedTeam.value}" selected>${o.fixedTeam.label} (your team)</option>
      </select></label
    >`;
  // The current value as its own option until the script fills the list, so a form sent
  // before that (or without scripts) keeps it.
  return html`<label class="filter"
    >${label}
    <select name="${name}" id="filter-${name}" data-value="${value}">
      <option value="">${all}</option>
      ${value ? html`<option value="${value}" selected>${value}</option>` : ''}
    </select></label
  >`;
}

function filtersForm(o: DashboardPageInput): Html | '' {
  const f = o.dashboard.filters;
  if (f.length === 0) return '';
  const dates = f.includes('from') || f.includes('to');
  return html`<form class="filters" method="get" action="/dashboards/${o.dashboard.id}">
    ${
      dates
        ? html`<div class="presets" role="group" aria-label="Quick ranges">
              <span class="presets-label">Period</span>
              ${PRESETS.map(
                ([id, label]) =>
                  html`<button type="button" class="preset" data-preset="${id}">${label}</button>`,
              )}
            </div>
            ${
              f.includes('from')
                ? html`<label class="filter"
                    >From
                    <input type="date" name="from" id="filter-from" value="${o.values.from ?? ''}"
                  /></label>`
                : ''
            }
            ${
              f.includes('to')
                ? html`<label class="filter"
                    >To <input type="date" name="to" id="filter-to" value="${o.values.to ?? ''}"
                  /></label>`
                : ''
            }`
        : ''
    }
    ${(['team', 'rep', 'category', 'country'] as const)
      .filter((n) => f.includes(n))
      .map((n) => selectFilter(n, o))}
    <div class="filter-actions">
      <button type="submit">Apply</button>
      <a class="reset" href="/dashboards/${o.dashboard.id}">Reset</a>
    </div>
  </form>`;
}

function panelSection(o: DashboardPageInput, p: Dashboard['panels'][number]): Html {
  const kind = panelKind(p);
  const base = `/api/v1/dashboards/${o.dashboard.id}/panels/${p.id}`;
  const drill = panelDrill(o.dashboard, p) !== undefined;
  // A table of many columns takes the whole row rather than scrolling in half of it.
  const wide = isWidePanel(p);
  return html`<section
    class="panel panel-${kind}${wide ? ' panel-wide' : ''}"
    id="panel-${p.id}"
    data-panel="${p.id}"
    aria-labelledby="panel-${p.id}-title"
  >
    <header>
      <h2 id="panel-${p.id}-title">${p.title}</h2>
      ${
        p.description
          ? html`<p class="panel-desc" title="${p.description}">${p.description}</p>`
          : ''
      }
    </header>
    <div class="panel-body" data-state="loading" aria-live="polite">
      <p class="panel-note">Loading…</p>
    </div>
    <footer class="panel-actions">
      ${
        drill
          ? html`<button type="button" class="link show-rows" data-panel="${p.id}">
              Show rows
            </button>`
          : ''
      }
      <span class="exports"
        >Export
        <a class="export" data-base="${base}" data-ext=".png" href="${base}.png">PNG</a>
        <a class="export" data-base="${base}" data-ext=".svg" href="${base}.svg">SVG</a>
        <a
          class="export"
          data-base="${base}"
          data-ext="/data"
          data-csv="1"
          href="${base}/data?format=csv"
          download
          >CSV</a
        ></span
      >
    </footer>
  </section>`;
}

/** GET /dashboards/{id}. */
export function dashboardPage(o: DashboardPageInput): string {
  const d = o.dashboard;
  const importMap = JSON.stringify({ imports: { 'vega-util': VEGA_UTIL_URL } });
  return layout({
    title: d.title,
    user: o.user,
    csrfToken: o.csrfToken,
    wide: true,
    head: html`${DASHBOARD_STYLES}
      <link rel="stylesheet" href="/assets/vega-tooltip.css" />
      ${new Html(`<script type="importmap" nonce="${o.nonce}">${importMap}</script>`)}
      <script defer src="/assets/vendor/vega.min.js"></script>
      <script defer src="/assets/vendor/vega-lite.min.js"></script>
      <script defer src="/assets/vendor/vega-embed.min.js"></script>
      <script type="module" src="/assets/dashboard.js"></script>`,
    body: html`<div class="dash-head">
        <div>
          <p class="crumbs"><a href="/dashboards">Dashboards</a></p>
          <h1 id="dashboard-title">${d.title}</h1>
          ${d.description ? html`<p class="muted">${d.description}</p>` : ''}
        </div>
        <p id="freshness" class="freshness" role="status">Data freshness…</p>
      </div>
      ${filtersForm(o)}
      <p id="selection" class="selection" hidden></p>
      ${panelGroups(d.panels).map((group) =>
        group.kpi
          ? html`<div class="kpis">${group.panels.map((p) => panelSection(o, p))}</div>`
          : html`<div class="panels">${group.panels.map((p) => panelSection(o, p))}</div>`,
      )}
      <dialog id="rows-dialog" class="rows-dialog" aria-labelledby="rows-title">
        <div class="rows-head">
          <h2 id="rows-title">Rows</h2>
          <p id="rows-summary" class="muted small"></p>
          <a id="rows-csv" class="button-link" href="#" download>Download CSV</a>
          <button type="button" id="rows-close" class="secondary">Close</button>
        </div>
        <div class="rows-scroll"><table id="rows-table"></table></div>
        <p class="rows-more"><button type="button" id="rows-more" hidden>Load more</button></p>
      </dialog>
      ${jsonBlock('dashboard-config', o.config)}`,
  });
}
