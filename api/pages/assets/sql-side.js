// The console's sidebar: the tables an analyst may query (with columns, types and the models'
// descriptions), the saved queries, and the history of runs. Each list is drawn from the API's
// answer; a click hands the choice to the page (sql.js).
import { el } from './dom.js';

/** Schemas in the order people look for them: the finished marts first, raw copies last. */
const SCHEMA_ORDER = ['marts', 'ml', 'core', 'staging', 'raw', 'ops'];

/** The first line of a query, for a list. */
function firstLine(sql) {
  return (
    sql
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('--')) ?? sql.trim()
  );
}

function when(iso) {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The schema tree in `tree`, narrowed to names containing `filter` (a table by its name, or by
 * one of its columns, which then show). Double-click a table, or click a column, to put its name
 * in the editor.
 */
export function renderSchema(tree, relations, { filter = '', onInsert }) {
  const f = filter.trim().toLowerCase();
  const groups = new Map();
  for (const r of relations) {
    const cols =
      f && !r.name.toLowerCase().includes(f)
        ? r.columns.filter((c) => c.name.toLowerCase().includes(f))
        : r.columns;
    if (f && cols.length === 0) continue;
    if (!groups.has(r.schema)) groups.set(r.schema, []);
    groups.get(r.schema).push({ ...r, shown: cols, open: Boolean(f) && cols !== r.columns });
  }
  const order = [...groups.keys()].sort(
    (a, b) => (SCHEMA_ORDER.indexOf(a) + 1 || 99) - (SCHEMA_ORDER.indexOf(b) + 1 || 99),
  );
  if (order.length === 0) {
    tree.replaceChildren(
      el(
        'p',
        { class: 'muted small' },
        relations.length
          ? 'Nothing matches.'
          : 'The warehouse has no tables yet: the first refresh builds them.',
      ),
    );
    return;
  }
  tree.replaceChildren(
    ...order.flatMap((schema) => [
      el('h3', {}, schema),
      ...groups.get(schema).map((r) =>
        el(
          'details',
          { open: r.open, 'data-relation': `${r.schema}.${r.name}` },
          el(
            'summary',
            {
              title: `${r.schema}.${r.name} — double-click to insert`,
              ondblclick: (e) => {
                e.preventDefault();
                onInsert(`${r.schema}.${r.name}`);
              },
            },
            r.name,
            ' ',
            el('span', { class: 'kind' }, r.kind === 'view' ? 'view' : ''),
          ),
          r.description ? el('p', { class: 'desc' }, r.description) : null,
          el(
            'ul',
            {},
            ...r.shown.map((c) =>
              el(
                'li',
                {
                  title: c.description
                    ? `${c.name}: ${c.description}`
                    : `${c.name} — click to insert`,
                  onclick: () => onInsert(c.name),
                },
                el('span', { class: 'col' }, c.name),
                el('span', { class: 'type' }, c.type),
              ),
            ),
          ),
        ),
      ),
    ]),
  );
}

/** The saved queries; `current` is the open one's id. */
export function renderSaved(list, items, { current, onOpen, shared }) {
  if (items.length === 0) {
    list.replaceChildren(
      el(
        'li',
        { class: 'empty' },
        shared
          ? 'No query is shared yet. Analysts share theirs from the console.'
          : 'No saved queries yet: write one and press Save.',
      ),
    );
    return;
  }
  list.replaceChildren(
    ...items.map((q) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: 'item',
            'data-id': String(q.id),
            'aria-current': q.id === current ? 'true' : 'false',
            onclick: () => onOpen(q),
          },
          el(
            'span',
            { class: 'title' },
            q.name,
            q.shared && !shared ? el('span', { class: 'badge' }, 'shared') : null,
          ),
          q.description ? el('span', { class: 'meta' }, q.description) : null,
          el('span', { class: 'sql' }, firstLine(q.sql)),
          el(
            'span',
            { class: 'meta' },
            `${q.mine ? 'yours' : (q.ownerName ?? 'someone')} · ${when(q.updatedAt)}`,
          ),
        ),
      ),
    ),
  );
}

/** The history of runs, newest first. */
export function renderHistory(list, items, { onOpen }) {
  if (items.length === 0) {
    list.replaceChildren(el('li', { class: 'empty' }, 'Nothing run yet.'));
    return;
  }
  list.replaceChildren(
    ...items.map((h) => {
      const failed = h.status !== 200;
      const outcome = failed
        ? el('span', { class: 'failed' }, h.status === 408 ? 'timed out' : `failed (${h.status})`)
        : `${h.rowCount?.toLocaleString() ?? '?'} row${h.rowCount === 1 ? '' : 's'}${h.truncated ? '+' : ''}`;
      return el(
        'li',
        {},
        el(
          'button',
          {
            type: 'button',
            class: 'item',
            title: h.error ?? h.sql,
            onclick: () => onOpen(h),
          },
          el('span', { class: 'sql' }, firstLine(h.sql)),
          el(
            'span',
            { class: 'meta' },
            `${when(h.startedAt)} · ${h.elapsedMs.toLocaleString()} ms · `,
            outcome,
            h.format !== 'json' ? ` · ${h.format}` : '',
          ),
        ),
      );
    }),
  );
}
