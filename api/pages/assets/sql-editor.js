// The console's editor: CodeMirror 6 with SQL highlighting, completion of the warehouse's schemas,
// tables and columns (with their types and the models' descriptions), Ctrl/Cmd+Enter to run,
// and the spot DuckDB points at when it refuses a query.
import { basicSetup, EditorView } from 'codemirror';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { Compartment, EditorSelection, EditorState, Prec } from '@codemirror/state';
import { keymap } from '@codemirror/view';

/** GET /sql/schema's relations → lang-sql's namespace: schema → table → columns. */
export function completionSchema(relations) {
  const out = {};
  for (const r of relations) {
    out[r.schema] ??= {};
    out[r.schema][r.name] = {
      self: {
        label: r.name,
        type: r.kind === 'view' ? 'class' : 'type',
        detail: r.kind,
        info: r.description ?? undefined,
      },
      children: r.columns.map((c) => ({
        label: c.name,
        type: 'property',
        detail: c.type,
        info: c.description ?? undefined,
      })),
    };
  }
  return out;
}

/**
 * Typing over a selection is done here, not by the browser: Chromium's own editing, merging the
 * selected lines' elements, writes inline style attributes to keep their look, which the page's
 * CSP refuses (a console error on every such keystroke; CodeMirror redraws the lines anyway). Seen
 * in test/sql-console-browser.test.ts after Ctrl+A and a letter.
 */
const typeOverSelection = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== 'insertText' || event.data == null) return false;
    if (view.state.selection.ranges.every((r) => r.empty)) return false;
    event.preventDefault();
    view.dispatch({
      ...view.state.replaceSelection(event.data),
      userEvent: 'input.type',
      scrollIntoView: true,
    });
    return true;
  },
});

/**
 * The editor in `parent`. `onRun` is called on Ctrl/Cmd+Enter; `readOnly` for the executives'
 * view of a shared query. DuckDB's SQL is closest to PostgreSQL's of lang-sql's dialects.
 */
export function createEditor(parent, { doc = '', nonce, readOnly = false, onRun }) {
  const language = new Compartment();
  const editable = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        // Above basicSetup's keymap, where Mod-Enter would insert a blank line.
        Prec.highest(
          keymap.of([
            {
              key: 'Mod-Enter',
              run: () => {
                onRun();
                return true;
              },
            },
          ]),
        ),
        basicSetup,
        typeOverSelection,
        language.of(sql({ dialect: PostgreSQL, upperCaseKeywords: true })),
        editable.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
        // CodeMirror adds its styles as <style> elements: the page's CSP wants this answer's nonce.
        EditorView.cspNonce.of(nonce),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': 'SQL query' }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    /** Put `text` at the cursor (a table or column clicked in the sidebar). */
    insert(text) {
      view.dispatch(view.state.replaceSelection(text));
      view.focus();
    },
    setSchema(relations) {
      view.dispatch({
        effects: language.reconfigure(
          sql({
            dialect: PostgreSQL,
            upperCaseKeywords: true,
            schema: completionSchema(relations),
            defaultSchema: 'marts',
          }),
        ),
      });
    },
    setReadOnly(on) {
      view.dispatch({
        effects: editable.reconfigure([EditorState.readOnly.of(on), EditorView.editable.of(!on)]),
      });
    },
    /** Put the cursor where DuckDB says the problem is (1-based line and column). */
    pointAt(line, column) {
      const doc = view.state.doc;
      if (!line || line > doc.lines) return;
      const l = doc.line(line);
      const pos = Math.min(l.to, l.from + Math.max(0, (column ?? 1) - 1));
      view.dispatch({ selection: EditorSelection.cursor(pos), scrollIntoView: true });
      view.focus();
    },
  };
}
