/**
 * Rows into a spec. DECIMAL columns arrive as strings ("1234.50") and counts as bigints; Vega
 * draws numbers, so the columns a spec encodes quantitatively are converted for drawing only —
 * the caller's rows are never changed.
 */

export type Row = Record<string, unknown>;
export type Spec = Record<string, unknown>;

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** Spec keys whose values hold further (sub)specs. */
const NESTED = ['layer', 'hconcat', 'vconcat', 'concat', 'spec'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The top-level field of a (possibly nested or escaped) Vega-Lite field name. */
function rootField(field: string): string {
  // "a.b" reads a.b, "a\\.b" the column "a.b"; rows are flat, so the column is the whole name
  // with escapes removed unless it is an unescaped path.
  const unescaped = field.replace(/\\(.)/g, '$1');
  return unescaped;
}

function collectFromEncoding(encoding: Record<string, unknown>, out: Set<string>): void {
  for (const def of Object.values(encoding)) {
    const defs = Array.isArray(def) ? def : [def]; // tooltip / detail may be arrays
    for (const d of defs) {
      if (!isObject(d)) continue;
      if (d.type === 'quantitative' && typeof d.field === 'string') out.add(rootField(d.field));
      // A condition may carry its own field definition.
      if (isObject(d.condition)) collectFromEncoding({ c: d.condition }, out);
    }
  }
}

/** The fields a spec encodes as quantitative, in every layer and concatenated view. */
export function quantitativeFields(spec: Spec): Set<string> {
  const out = new Set<string>();
  const visit = (s: unknown): void => {
    if (!isObject(s)) return;
    if (isObject(s.encoding)) collectFromEncoding(s.encoding, out);
    for (const key of NESTED) {
      const v = s[key];
      if (Array.isArray(v)) v.forEach(visit);
      else visit(v);
    }
    // usermeta.numericFields: fields a spec reads as numbers in transforms, not encodings.
    const meta = s.usermeta;
    if (isObject(meta) && Array.isArray(meta.numericFields)) {
      for (const f of meta.numericFields) if (typeof f === 'string') out.add(f);
    }
  };
  visit(spec);
  return out;
}

/** A value fit for JSON and for drawing: bigints become numbers, Dates ISO strings. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  return v;
}

/**
 * Copies of the rows with numeric-looking strings in `fields` made numbers; bigints and Dates
 * made JSON-safe everywhere. Non-numeric strings and nulls are left as they are.
 */
export function coerceRows(rows: readonly Row[], fields: ReadonlySet<string>): Row[] {
  return rows.map((row) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(row)) {
      if (fields.has(k) && typeof v === 'string' && NUMERIC.test(v)) out[k] = Number(v);
      else out[k] = plain(v);
    }
    return out;
  });
}

/** The spec with the rows as its top-level inline data (any data it had is replaced). */
export function inlineData(spec: Spec, rows: readonly Row[]): Spec {
  return { ...spec, data: { values: rows } };
}
