// The dashboard page (GET /dashboards/{id}). The server sent the titles, the filter form and an
// empty card per panel; this script reads the dashboard from the API, draws every panel from its
// /data rows, keeps the URL and the filters in step, turns a click on a mark into a filter for the
// whole dashboard (cross-filter) and opens the rows behind a panel (drill-through).
import { useTheme, monthName, rangeText } from './dashboard-format.js';
import {
  fillOptions,
  formState,
  monthRange,
  presetRange,
  queryOf,
  readState,
  showState,
  writeState,
} from './dashboard-filters.js';
import { startFreshness } from './dashboard-freshness.js';
import { drawPanel, panelProblem } from './dashboard-panels.js';
import { openRows } from './dashboard-rows.js';

const config = JSON.parse(document.getElementById('dashboard-config').textContent);
const form = document.querySelector('form.filters');
const selectionNote = document.getElementById('selection');
useTheme(config.theme);

let dashboard = null;
let state = readState();
/** Each panel's vega view, for its clicks; a redraw replaces them. */
const views = new Map();
/** The range before a click on a month set one, to give back when the month is clicked again. */
let rangeBeforeMonth = null;
let drawing = 0;

async function api(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.detail ?? `${res.status} ${res.statusText}`);
  return body;
}

/** What an empty panel says: why, in words (the range and whether other filters narrow it). */
function emptyMessage(panel) {
  const narrowed = ['team', 'rep', 'category', 'country'].some(
    (f) => state[f] && panel.filters.includes(f) && !(f === 'team' && config.fixedTeam),
  );
  // The file's own words for "nothing yet" (no segmentation run), unless a filter may be why.
  if (panel.empty && !narrowed) return panel.empty;
  const noun = config.emptyNouns?.[panel.id] ?? 'No data';
  // A panel the dates do not apply to (a stock, lapsing customers) is not empty "in this range".
  const dated = panel.filters.includes('from') || panel.filters.includes('to');
  if (!dated) return `${noun}${narrowed ? ' for these filters' : ' yet'}.`;
  return `${noun} in this range (${rangeText(state.from, state.to)})${narrowed ? ' for these filters' : ''}.`;
}

function updateExportLinks(query) {
  for (const a of document.querySelectorAll('a.export')) {
    const params = new URLSearchParams(query);
    if (a.dataset.csv) params.set('format', 'csv');
    const qs = params.toString();
    a.href = `${a.dataset.base}${a.dataset.ext}${qs ? `?${qs}` : ''}`;
  }
}

const FILTER_LABELS = { team: 'Team', rep: 'Sales rep', category: 'Category', country: 'Country' };
/** The filter a click on a mark set last (not one chosen in the form). */
let clicked = null;

function optionText(filter, value) {
  const select = form?.elements.namedItem(filter);
  const option = select ? [...select.options].find((o) => o.value === value) : null;
  return option?.textContent ?? value;
}

/** Say what a click on a mark set, and how to undo it. */
function showSelection() {
  const parts = [];
  if (rangeBeforeMonth && state.from) parts.push(`Month: ${monthName(state.from.slice(0, 7))}`);
  if (clicked && state[clicked.filter] === clicked.value)
    parts.push(`${FILTER_LABELS[clicked.filter]}: ${optionText(clicked.filter, clicked.value)}`);
  if (parts.length === 0) {
    selectionNote.hidden = true;
    return;
  }
  selectionNote.hidden = false;
  selectionNote.textContent = `Showing ${parts.join(' · ')} — click the mark again to go back.`;
}

/** Draw every panel for the current state. A newer draw makes an older one's answers moot. */
async function drawAll() {
  const run = ++drawing;
  const query = queryOf(state, dashboard.filters);
  updateExportLinks(query);
  showSelection();
  document.body.dataset.drawn = 'false';
  await Promise.all(
    dashboard.panels.map(async (panel) => {
      const section = document.getElementById(`panel-${panel.id}`);
      section.querySelector('.panel-body').dataset.state = 'loading';
      try {
        const data = await api(
          `/api/v1/dashboards/${dashboard.id}/panels/${panel.id}/data${query ? `?${query}` : ''}`,
        );
        if (run !== drawing) return;
        views.get(panel.id)?.finalize();
        views.delete(panel.id);
        const result = await drawPanel(section, panel, data.rows, {
          theme: config.theme,
          empty: emptyMessage(panel),
          links: config.links,
        });
        if (result?.view) {
          views.set(panel.id, result.view);
          if (panel.select) listenForSelect(panel, result.view, section);
        }
      } catch (e) {
        if (run === drawing) panelProblem(section, e.message);
      }
    }),
  );
  if (run === drawing) document.body.dataset.drawn = 'true';
}

/** A month a mark stands for: '2026-01' as the query gave it, or the date Vega parsed it into. */
function monthOf(value) {
  if (typeof value === 'string' && /^\d{4}-\d{2}/.test(value)) return value.slice(0, 7);
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Cross-filter: a click on a mark sets the panel's `select.filter`; the same click clears it. */
function applySelect(select, value) {
  const next = { ...state };
  if (select.filter === 'month') {
    const month = monthOf(value);
    if (!month) return;
    const range = monthRange(month);
    if (state.from === range.from && state.to === range.to) {
      next.from = rangeBeforeMonth?.from ?? config.defaultRange.from;
      next.to = rangeBeforeMonth?.to ?? config.defaultRange.to;
      rangeBeforeMonth = null;
    } else {
      if (!rangeBeforeMonth) rangeBeforeMonth = { from: state.from ?? '', to: state.to ?? '' };
      Object.assign(next, range);
    }
  } else {
    const v = String(value);
    // A bar for "(no category)" or "(none)" has nothing the filter could take.
    const valid =
      select.filter === 'country' ? /^[A-Za-z]{2}$/ : select.filter === 'rep' ? /\S/ : /^\d+$/;
    if (value === null || value === undefined || !valid.test(v)) return;
    if (state[select.filter] === v) {
      delete next[select.filter];
      clicked = null;
    } else {
      next[select.filter] = v;
      clicked = { filter: select.filter, value: v };
    }
  }
  setState(next);
}

function listenForSelect(panel, view, section) {
  section.classList.add('selectable');
  view.addEventListener('click', (_event, item) => {
    const datum = item?.datum;
    if (!datum || !(panel.select.field in datum)) return;
    applySelect(panel.select, datum[panel.select.field]);
  });
}

function setState(next, opts) {
  state = next;
  writeState(state, opts);
  if (form) showState(form, state);
  drawAll();
}

function wireForm() {
  if (!form) return;
  const changed = () => {
    rangeBeforeMonth = null;
    clicked = null;
    setState(formState(form));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    changed();
  });
  form.addEventListener('change', changed);
  for (const button of form.querySelectorAll('button.preset'))
    button.addEventListener('click', () => {
      const range = presetRange(button.dataset.preset);
      form.elements.namedItem('from').value = range.from;
      form.elements.namedItem('to').value = range.to;
      changed();
    });
}

async function start() {
  // No range in the URL: the server filled in the default one; the URL says so too, so a link
  // copied now opens the same months later.
  if (form && state.from === undefined && state.to === undefined) {
    state = { ...state, ...formState(form) };
    writeState(state, { replace: true });
  }
  try {
    dashboard = config.dashboard ?? (await api(`/api/v1/dashboards/${config.id}`));
  } catch (e) {
    for (const section of document.querySelectorAll('section.panel'))
      panelProblem(section, e.message);
    return;
  }
  wireForm();
  for (const button of document.querySelectorAll('button.show-rows'))
    button.addEventListener('click', () => {
      const panel = dashboard.panels.find((p) => p.id === button.dataset.panel);
      openRows(dashboard, panel, queryOf(state, dashboard.filters));
    });
  window.addEventListener('popstate', () => {
    state = readState();
    if (form) showState(form, state);
    drawAll();
  });
  // The panels first: a browser opens at most six connections to the server, and the lists
  // behind the selects (teams, reps, categories, countries) and the freshness badge would take
  // them ahead of the figures (the executive overview drew ~0.4 s later that way on the demo).
  await drawAll();
  if (form) fillOptions(form, config.fixedTeam);
  startFreshness(document.getElementById('freshness'));
}

start();
