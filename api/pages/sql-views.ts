/**
 * The SQL console's page (GET /sql). The server sends the frame — the sidebar's tabs, the editor's
 * place, the toolbar, the result's table and chart, the save dialog — and the script
 * (/assets/sql.js) fills it from the API: the schema, the saved queries and the history, and
 * every result. The editor is CodeMirror 6 (ES modules from node_modules via the import map,
 * ./vendor-modules.ts); charts are vega-embed's, as on the dashboards.
 */
import { html, Html, jsonBlock, layout } from './html.ts';
import { VEGA_UTIL_URL } from './vendor.ts';
import { editorImportMap } from './vendor-modules.ts';

/** Analysts and admins write SQL; executives run the shared saved queries only. */
export type ConsoleMode = 'write' | 'shared';

export interface ConsolePageInput {
  user: { name: string; role: string };
  csrfToken: string;
  nonce: string;
  /** For the script: the mode, the server's default limits, the CSP nonce for editor styles. */
  config: { mode: ConsoleMode; rowLimit: number; timeoutSeconds: number; nonce: string };
}

/** The download buttons: one per format POST /sql answers. */
const FORMATS = [
  ['csv', 'CSV'],
  ['json', 'JSON'],
  ['arrow', 'Arrow'],
  ['parquet', 'Parquet'],
] as const;

function head(o: ConsolePageInput): Html {
  const map = editorImportMap();
  map.imports['vega-util'] = VEGA_UTIL_URL;
  return html`<link rel="stylesheet" href="/assets/sql.css" />
    <link rel="stylesheet" href="/assets/sql-editor.css" />
    <link rel="stylesheet" href="/assets/sql-results.css" />
    <link rel="stylesheet" href="/assets/sql-dialog.css" />
    <link rel="stylesheet" href="/assets/vega-tooltip.css" />
    ${new Html(`<script type="importmap" nonce="${o.nonce}">${JSON.stringify(map)}</script>`)}
    ${Object.values(editorImportMap().imports).map(
      (url) => html`<link rel="modulepreload" href="${url}" />`,
    )}
    <script defer src="/assets/vendor/vega.min.js"></script>
    <script defer src="/assets/vendor/vega-lite.min.js"></script>
    <script defer src="/assets/vendor/vega-embed.min.js"></script>
    <script type="module" src="/assets/sql.js"></script>`;
}

function sidebar(o: ConsolePageInput): Html {
  const write = o.config.mode === 'write';
  return html`<aside class="sql-side" aria-label="Tables, saved queries and history">
    <div class="tabs" role="tablist">
      ${
        write
          ? html`<button
              type="button"
              role="tab"
              id="tab-schema"
              aria-controls="side-schema"
              aria-selected="true"
            >
              Tables
            </button>`
          : ''
      }
      <button
        type="button"
        role="tab"
        id="tab-saved"
        aria-controls="side-saved"
        aria-selected="${write ? 'false' : 'true'}"
      >
        ${write ? 'Saved' : 'Shared queries'}
      </button>
      <button
        type="button"
        role="tab"
        id="tab-history"
        aria-controls="side-history"
        aria-selected="false"
      >
        History
      </button>
    </div>
    ${
      write
        ? html`<div
            id="side-schema"
            class="side-panel"
            role="tabpanel"
            aria-labelledby="tab-schema"
          >
            <input
              id="schema-filter"
              type="search"
              placeholder="Find a table or column"
              aria-label="Find a table or column"
            />
            <div id="schema-tree" class="tree"><p class="muted small">Loading tables…</p></div>
          </div>`
        : ''
    }
    <div
      id="side-saved"
      class="side-panel"
      role="tabpanel"
      aria-labelledby="tab-saved"
      ${write ? html`hidden` : ''}
    >
      <ul id="saved-list" class="item-list">
        <li class="muted small">Loading…</li>
      </ul>
    </div>
    <div id="side-history" class="side-panel" role="tabpanel" aria-labelledby="tab-history" hidden>
      <ul id="history-list" class="item-list">
        <li class="muted small">Loading…</li>
      </ul>
    </div>
  </aside>`;
}

function toolbar(o: ConsolePageInput): Html {
  const write = o.config.mode === 'write';
  return html`<div class="sql-toolbar">
    <button type="button" id="run" ${write ? '' : html`disabled`}>
      Run <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
    </button>
    <label class="limit"
      >Rows up to
      <input id="limit" type="number" min="1" max="1000000" step="1" value="${o.config.rowLimit}" />
    </label>
    ${write ? html`<button type="button" id="save" class="secondary">Save…</button>` : ''}
    <span class="downloads" role="group" aria-label="Download the result">
      <span class="muted small">Download</span>
      ${FORMATS.map(
        ([f, label]) =>
          html`<button type="button" class="secondary small" data-format="${f}" disabled>
            ${label}
          </button>`,
      )}
    </span>
  </div>`;
}

function results(): Html {
  return html`<section class="sql-result" aria-label="Result">
    <div class="result-head">
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          id="tab-table"
          aria-controls="result-table"
          aria-selected="true"
        >
          Table
        </button>
        <button
          type="button"
          role="tab"
          id="tab-chart"
          aria-controls="result-chart"
          aria-selected="false"
        >
          Chart
        </button>
      </div>
      <p id="status" class="status" role="status" aria-live="polite"></p>
    </div>
    <div
      id="result-table"
      role="tabpanel"
      aria-labelledby="tab-table"
      class="grid-scroll"
      tabindex="0"
    >
      <p class="placeholder muted">Write a query and press Run (Ctrl+Enter); the rows show here.</p>
    </div>
    <div id="result-chart" role="tabpanel" aria-labelledby="tab-chart" hidden>
      <form id="chart-form" class="chart-form">
        <label
          >Mark
          <select id="chart-mark">
            <option value="bar">Bars</option>
            <option value="line">Line</option>
            <option value="point">Points</option>
            <option value="area">Area</option>
          </select></label
        >
        <label
          >x
          <select id="chart-x"></select
        ></label>
        <label
          >y
          <select id="chart-y"></select
        ></label>
        <label
          >Colour
          <select id="chart-color">
            <option value="">none</option>
          </select></label
        >
      </form>
      <div id="chart" class="chart"><p class="placeholder muted">Run a query to chart it.</p></div>
    </div>
  </section>`;
}

function saveDialog(): Html {
  return html`<dialog id="save-dialog" aria-labelledby="save-title">
    <form id="save-form" method="dialog">
      <h2 id="save-title">Save the query</h2>
      <label>Name <input id="save-name" name="name" required maxlength="200" /></label>
      <label
        >Description
        <textarea id="save-description" name="description" rows="2" maxlength="2000"></textarea>
      </label>
      <label class="check"
        ><input id="save-shared" type="checkbox" name="shared" /> Shared: every analyst and
        executive may run it</label
      >
      <p id="save-problem" class="problem" role="alert" hidden></p>
      <div class="actions">
        <button type="submit" id="save-submit">Save</button>
        <button type="submit" id="save-copy" class="secondary" value="copy" hidden>
          Save as new
        </button>
        <button type="button" id="save-cancel" class="secondary">Cancel</button>
      </div>
    </form>
  </dialog>`;
}

/** GET /sql. */
export function sqlConsolePage(o: ConsolePageInput): string {
  const write = o.config.mode === 'write';
  return layout({
    title: 'SQL console',
    user: o.user,
    csrfToken: o.csrfToken,
    wide: true,
    head: head(o),
    body: html`<div class="sql-console" data-mode="${o.config.mode}">
        ${sidebar(o)}
        <section class="sql-main" aria-labelledby="query-title">
          <div class="query-head">
            <h1 id="query-title">${write ? 'New query' : 'Shared queries'}</h1>
            <p id="query-note" class="muted small">
              ${
                write
                  ? 'Read-only SQL on the warehouse: marts, core, staging, raw and ops. Ctrl+Space completes names.'
                  : 'Pick a shared query on the left to run it.'
              }
            </p>
          </div>
          <div id="editor" class="editor" aria-label="SQL"></div>
          ${toolbar(o)} ${results()}
        </section>
      </div>
      ${write ? saveDialog() : ''} ${jsonBlock('sql-config', o.config)}`,
  });
}

/** The console refused to a role that has none (403), as a page. */
export function sqlRefusalPage(o: {
  user: ConsolePageInput['user'];
  csrfToken: string;
  message: string;
}): string {
  return layout({
    title: 'Not for your role',
    user: o.user,
    csrfToken: o.csrfToken,
    body: html`<section class="card narrow" aria-labelledby="title">
      <h1 id="title">Not for your role</h1>
      <p>${o.message}</p>
      <p><a href="/">Home</a></p>
    </section>`,
  });
}
