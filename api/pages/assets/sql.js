// The SQL console (GET /sql). Analysts and admins write a query, run it (Ctrl/Cmd+Enter), see the
// rows in a table that scrolls through 10,000 smoothly, chart them, download them in every
// format the API answers, save and share the query, and find it again in the history.
// Executives see the shared saved queries only, and run those.
import { api, ApiProblem, listAll, runQuery } from './sql-api.js';
import { chartChoices, drawChart } from './sql-chart.js';
import { createEditor } from './sql-editor.js';
import { showGrid, showGridMessage } from './sql-grid.js';
import { renderHistory, renderSaved, renderSchema } from './sql-side.js';

const config = JSON.parse(document.getElementById('sql-config').textContent);
const write = config.mode === 'write';
const $ = (id) => document.getElementById(id);

const runButton = $('run');
const statusLine = $('status');
const tableView = $('result-table');
const chartView = $('result-chart');
const chartForm = $('chart-form');
const title = $('query-title');
const note = $('query-note');

/** The saved query open in the editor (null: a new one). */
let current = null;
/** The last successful result, and what produced it (for downloads and the chart). */
let last = null;
let running = null;
let relations = [];

const editor = createEditor($('editor'), {
  nonce: config.nonce,
  readOnly: !write,
  doc: write ? '' : '-- Pick a shared query on the left.',
  onRun: () => run(),
});

function say(text, kind = '') {
  statusLine.textContent = text;
  statusLine.className = `status ${kind}`;
}

/** The "Rows up to" box: a positive whole number, or the server's default. */
function limit() {
  const n = Number($('limit').value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

// --- tabs -------------------------------------------------------------------------------------

function selectTab(tab) {
  for (const t of tab.parentElement.querySelectorAll('[role=tab]')) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    $(t.getAttribute('aria-controls')).hidden = !on;
  }
}
for (const t of document.querySelectorAll('[role=tab]'))
  t.addEventListener('click', () => {
    selectTab(t);
    if (t.id === 'tab-chart') redrawChart();
    if (t.id === 'tab-history') loadHistory();
  });

// --- running ----------------------------------------------------------------------------------

/** What Run runs: the open saved query as it is stored, or the editor's text. */
function target() {
  if (current && (!write || editor.text() === current.sql)) return { savedId: current.id };
  return { sql: editor.text() };
}

async function run() {
  if (runButton.disabled && !running) return;
  const what = target();
  if (!what.savedId && !what.sql.trim()) return say('Write a query first.', 'warn');
  running?.abort();
  const controller = new AbortController();
  running = controller;
  runButton.disabled = true;
  say('Running…');
  document.body.dataset.state = 'running';
  try {
    const result = await runQuery({ ...what, limit: limit(), signal: controller.signal });
    if (running !== controller) return;
    last = { ...what, limit: limit(), result };
    const rows = result.rowCount.toLocaleString();
    say(
      result.truncated
        ? `The first ${rows} rows (more were there: raise "Rows up to" or narrow the query) · ${result.elapsedMs.toLocaleString()} ms`
        : `${rows} row${result.rowCount === 1 ? '' : 's'} · ${result.elapsedMs.toLocaleString()} ms`,
      result.truncated ? 'warn' : '',
    );
    showGrid(tableView, result);
    chartChoices(chartForm, result.columns);
    if (!chartView.hidden) await redrawChart();
    setDownloads(true);
    document.body.dataset.state = 'done';
  } catch (e) {
    if (e.name === 'AbortError') return;
    showProblem(e);
    document.body.dataset.state = 'failed';
  } finally {
    if (running === controller) {
      running = null;
      runButton.disabled = !write && !current;
    }
    // The run is in the history now, whatever happened.
    if (!$('side-history').hidden) loadHistory();
  }
}

function showProblem(e) {
  const problem = e instanceof ApiProblem ? e.problem : {};
  say(e.message, 'bad');
  showGridMessage(tableView, problem.duckdb ?? e.message, 'problem');
  if (problem.line) editor.pointAt(problem.line, problem.column);
}

runButton.addEventListener('click', () => run());

// --- downloads --------------------------------------------------------------------------------

function setDownloads(on) {
  for (const b of document.querySelectorAll('.downloads button')) b.disabled = !on;
}

const EXTENSIONS = { json: 'json', csv: 'csv', arrow: 'arrow', parquet: 'parquet' };

function fileName(format) {
  const base = (current?.name ?? 'query')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `${base || 'query'}-${stamp}.${EXTENSIONS[format]}`;
}

/** The last result again, in `format`, saved as a file (the query runs again on the server). */
async function download(format) {
  if (!last) return;
  say(`Preparing the ${format.toUpperCase()} file…`);
  try {
    const res = await runQuery(
      { sql: last.sql, savedId: last.savedId, limit: last.limit },
      format,
      true,
    );
    const blob = await res.blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = fileName(format);
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    say(`Downloaded ${a.download} (${blob.size.toLocaleString()} bytes).`);
  } catch (e) {
    say(e.message, 'bad');
  }
}
for (const b of document.querySelectorAll('.downloads button'))
  b.addEventListener('click', () => download(b.dataset.format));

// --- chart ------------------------------------------------------------------------------------

async function redrawChart() {
  if (!last) return;
  try {
    await drawChart($('chart'), chartForm, last.result);
    document.body.dataset.chart = 'drawn';
  } catch (e) {
    $('chart').textContent = `The chart could not be drawn: ${e.message}`;
  }
}
chartForm.addEventListener('change', () => redrawChart());

// --- saved queries ----------------------------------------------------------------------------

async function loadSaved() {
  try {
    const items = await listAll(
      write ? '/api/v1/sql/saved?limit=200' : '/api/v1/sql/saved?shared=true&limit=200',
    );
    renderSaved($('saved-list'), items, {
      current: current?.id,
      onOpen: openSaved,
      shared: !write,
    });
    return items;
  } catch (e) {
    $('saved-list').textContent = e.message;
    return [];
  }
}

function openSaved(q) {
  current = q;
  editor.setText(q.sql);
  title.textContent = q.name;
  note.textContent =
    (q.description ? `${q.description} · ` : '') +
    (q.mine
      ? q.shared
        ? 'yours, shared'
        : 'yours, private'
      : `shared by ${q.ownerName ?? 'someone'}`);
  if (!write) runButton.disabled = false;
  for (const b of document.querySelectorAll('#saved-list button.item'))
    b.setAttribute('aria-current', String(b.dataset.id === String(q.id)));
  const url = new URL(location.href);
  url.searchParams.set('saved', q.id);
  history.replaceState(null, '', url);
}

function newQuery() {
  current = null;
  title.textContent = 'New query';
  const url = new URL(location.href);
  url.searchParams.delete('saved');
  history.replaceState(null, '', url);
}

if (write) {
  const dialog = $('save-dialog');
  const form = $('save-form');
  const problem = $('save-problem');
  $('save').addEventListener('click', () => {
    if (!editor.text().trim()) return say('Write a query first, then save it.', 'warn');
    const mine = current?.mine;
    $('save-name').value = mine ? current.name : '';
    $('save-description').value = mine ? (current.description ?? '') : '';
    $('save-shared').checked = mine ? current.shared : false;
    $('save-submit').textContent = mine ? 'Save changes' : 'Save';
    $('save-copy').hidden = !mine;
    problem.hidden = true;
    dialog.showModal();
  });
  $('save-cancel').addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const asNew = e.submitter?.id === 'save-copy' || !current?.mine;
    const body = {
      name: $('save-name').value,
      description: $('save-description').value.trim() || null,
      shared: $('save-shared').checked,
      sql: editor.text(),
    };
    try {
      const saved = asNew
        ? await api('POST', '/api/v1/sql/saved', body)
        : await api('PATCH', `/api/v1/sql/saved/${current.id}`, body);
      dialog.close();
      // Back to writing, not to the Save button (where a typed space would press it).
      editor.view.focus();
      openSaved(saved);
      say(`Saved as "${saved.name}"${saved.shared ? ', shared' : ''}.`);
      await loadSaved();
    } catch (err) {
      problem.textContent = err.message;
      problem.hidden = false;
    }
  });
  editor.view.dom.addEventListener('input', () => {
    if (current && editor.text() !== current.sql && !current.mine) newQuery();
  });
}

// --- history ----------------------------------------------------------------------------------

async function loadHistory() {
  try {
    const page = await api('GET', '/api/v1/sql/history?limit=100');
    renderHistory($('history-list'), page.items, {
      onOpen: (h) => {
        if (!write) return;
        newQuery();
        editor.setText(h.sql);
      },
    });
  } catch (e) {
    $('history-list').textContent = e.message;
  }
}

// --- schema -----------------------------------------------------------------------------------

async function loadSchema() {
  const tree = $('schema-tree');
  try {
    relations = (await listAll('/api/v1/sql/schema')) ?? [];
    editor.setSchema(relations);
    const draw = () =>
      renderSchema(tree, relations, {
        filter: $('schema-filter').value,
        onInsert: (text) => editor.insert(text),
      });
    $('schema-filter').addEventListener('input', draw);
    draw();
    document.body.dataset.schema = 'loaded';
  } catch (e) {
    tree.textContent = e.message;
  }
}

// --- start ------------------------------------------------------------------------------------

setDownloads(false);
const opening = new URL(location.href).searchParams.get('saved');
const [saved] = await Promise.all([loadSaved(), write ? loadSchema() : null]);
if (opening) {
  const q = saved.find((s) => String(s.id) === opening);
  if (q) openSaved(q);
  else say(`Saved query ${opening} is not there (deleted, or not shared with you).`, 'warn');
}
if (write) editor.view.focus();
document.body.dataset.ready = 'true';
