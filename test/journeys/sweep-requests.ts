/**
 * The generated sweep's requests, derived from the OpenAPI document alone: for every operation a
 * plausible body (from its JSON Schema, with ids of real rows), then the hostile variants — an
 * empty body, a NUL in each string, an impossible date in each date, a huge number in each
 * number, a method the path does not have. Pure: no I/O, so a new route is swept without
 * anyone writing a line for it.
 */

type Schema = Record<string, any>;
type Path = (string | number)[];

/** One operation of the document, with its schemas resolved. */
export interface Operation {
  method: string;
  /** As documented, e.g. /api/v1/customers/{id}. */
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: Schema }[];
  body: Schema | undefined;
}

/** Ids of real rows, by the resource segment that precedes a path param or names a field. */
export type RowIds = Record<string, string | number>;

export type ProbeKind = 'empty body' | 'NUL' | 'impossible date' | 'huge number' | 'wrong method';

/** One request of the sweep and what it probes. */
export interface Probe {
  kind: ProbeKind;
  op: Operation;
  method: string;
  /** Path and query, ready for fetch (relative to the server). */
  url: string;
  body: unknown;
  /** The field or parameter the variant put its value in (`lines.0.quantity`, `from`). */
  field?: string;
  /** A value that may be valid (at the edge of a column's range): only the common rules apply. */
  mayPass?: boolean;
  where?: 'body' | 'query' | 'path';
}

const DATE_NAMES = new Set(['from', 'to', 'at', 'validFrom', 'validTo', 'periodStart']);
const TIMESTAMP_NAMES = new Set(['dueAt', 'doneAt']);
const MONEY_NAMES = new Set([
  'amount',
  'listPrice',
  'cost',
  'unitPrice',
  'creditLimit',
  'expectedValue',
  'minOrderTotal',
  'threshold',
]);
const FRACTION_NAMES = new Set(['discount', 'probability']);
/** Which rows an id field points at. */
const FIELD_ROWS: Record<string, string> = {
  customerId: 'customers',
  productId: 'products',
  warehouseId: 'warehouses',
  fromWarehouseId: 'warehouses',
  toWarehouseId: 'warehouses2',
  repId: 'reps',
  ownerRepId: 'reps',
  managerRepId: 'reps',
  assignToRepId: 'reps',
  teamId: 'teams',
  categoryId: 'categories',
  parentId: 'categories',
  contactId: 'contacts',
  opportunityId: 'opportunities',
  orderId: 'orders',
  lineId: 'lines',
};

export const NUL = 'a\u0000b';
export const IMPOSSIBLE_DATE = '2026-02-30';
export const HUGE = 1e308;
export const HUGE_TEXT = '99999999999999999999';
/** Past a PostgreSQL integer column, inside JavaScript's safe integers: passes a zod int(). */
export const PAST_INT4 = 2_147_483_648;
/** At the edge of an amount: fits the input rule, not necessarily every column it lands in. */
export const EDGE_AMOUNT = '999999999999.99';

function deref(doc: Schema, s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 20; i++) {
    const parts = String(cur.$ref).replace(/^#\//, '').split('/');
    cur = parts.reduce<any>((o, k) => o?.[k], doc);
  }
  return cur;
}

/** Every operation of an OpenAPI 3.1 document. */
export function operations(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [p, item] of Object.entries<Schema>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])]
        .map((x: Schema) => deref(doc, x)!)
        .filter((x) => x.in === 'path' || x.in === 'query')
        .map((x) => ({ name: x.name, in: x.in, schema: deref(doc, x.schema) ?? {} }));
      const body = deref(doc, op.requestBody?.content?.['application/json']?.schema);
      ops.push({ method: method.toUpperCase(), path: p, params, body: body && deref(doc, body) });
    }
  }
  return ops;
}

function types(s: Schema): string[] {
  if (Array.isArray(s.type)) return s.type;
  if (s.type) return [s.type];
  if (s.const !== undefined) return [typeof s.const];
  return [];
}

/** The non-null branch of `X | null`, the first branch of a union. */
function branch(doc: Schema, s: Schema): Schema {
  const alts = s.anyOf ?? s.oneOf;
  if (!alts) return s;
  const pick = alts.map((a: Schema) => deref(doc, a)!).find((a: Schema) => a.type !== 'null');
  return branch(doc, pick ?? alts[0]);
}

interface Leaf {
  path: Path;
  name: string;
  schema: Schema;
}

const isDatePattern = (s: Schema) => /\\d\{4\}-\\d\{2\}-\\d\{2\}/.test(String(s.pattern ?? ''));
const isTimestamp = (name: string, s: Schema) =>
  TIMESTAMP_NAMES.has(name) || /\[T /.test(String(s.pattern ?? ''));
const isDate = (name: string, s: Schema) =>
  DATE_NAMES.has(name) || TIMESTAMP_NAMES.has(name) || isDatePattern(s) || s.format === 'date';
const isMoney = (name: string, s: Schema) =>
  MONEY_NAMES.has(name) || FRACTION_NAMES.has(name) || s.format === 'decimal';
const isNumeric = (name: string, s: Schema) =>
  types(s).some((t) => t === 'integer' || t === 'number') || isMoney(name, s);
const isText = (s: Schema) => types(s).includes('string');

function seedString(name: string, s: Schema): string {
  if (s.const !== undefined) return String(s.const);
  if (s.enum) return String(s.enum[0]);
  if (isTimestamp(name, s)) return '2026-03-02T10:00:00Z';
  if (name === 'validTo') return '2026-06-02';
  if (isDate(name, s)) return '2026-03-02';
  if (FRACTION_NAMES.has(name)) return '0.05';
  if (isMoney(name, s)) return '10.00';
  if (s.format === 'email' || name === 'email') return 'sweep@example.com';
  if (s.pattern === '^[A-Z]{3}$') return 'EUR';
  if (name === 'country') return 'DE';
  if (name === 'group' || name === 'customerGroup') return 'retail';
  // A query that runs: the probes are about the other fields, not DuckDB's parser.
  if (name === 'sql') return 'SELECT 1 AS x';
  if (s.pattern && /\^\[a-z0-9\]/.test(s.pattern)) return 'sweep-rule';
  return 'sweep';
}

/** A plausible value for `s`, recording every primitive leaf it contains. */
function seed(
  doc: Schema,
  raw: Schema,
  name: string,
  path: Path,
  ids: RowIds,
  leaves: Leaf[],
): unknown {
  const s = branch(doc, deref(doc, raw) ?? {});
  const t = types(s);
  if (t.includes('object') || s.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) {
      out[k] = seed(doc, v, k, [...path, k], ids, leaves);
    }
    return out;
  }
  if (t.includes('array')) return [seed(doc, s.items ?? {}, name, [...path, 0], ids, leaves)];
  leaves.push({ path, name, schema: s });
  if (t.includes('boolean')) return true;
  const nullable = (raw.anyOf ?? raw.oneOf ?? []).some((a: Schema) => a.type === 'null');
  // An optional link left empty: a seed pointing at unrelated rows fails business checks first.
  if (nullable && FIELD_ROWS[name]) return null;
  if (t.includes('integer') || (t.includes('number') && !t.includes('string'))) {
    const rows = FIELD_ROWS[name];
    if (rows && ids[rows] !== undefined) return Number(ids[rows]);
    return Math.max(1, Number(s.minimum ?? 1));
  }
  return seedString(name, s);
}

function setAt(value: unknown, path: Path, leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[path[0]!] = setAt(copy[path[0]!], path.slice(1), leaf);
  return copy;
}

/** Fill the path's {params} with ids of real rows (the segment before each names the rows). */
export function fillPath(path: string, ids: RowIds, override?: [string, string]): string {
  const segments = path.split('/');
  // A param may fill part of a segment: /panels/{panel}.svg.
  return segments
    .map((seg, i) =>
      seg.replace(/\{(\w+)\}/g, (_all, name: string) =>
        override && override[0] === name
          ? encodeURIComponent(override[1])
          : encodeURIComponent(String(ids[segments[i - 1]!] ?? 1)),
      ),
    )
    .join('/');
}

/** Every probe of one operation; `methodsOfPath` are the methods its path documents. */
export function probes(doc: Schema, op: Operation, ids: RowIds, methodsOfPath: string[]): Probe[] {
  const out: Probe[] = [];
  const url = fillPath(op.path, ids);
  const leaves: Leaf[] = [];
  const base = op.body ? seed(doc, op.body, '', [], ids, leaves) : undefined;
  const bodyVariant = (kind: ProbeKind, leaf: Leaf, value: unknown, mayPass = false) =>
    out.push({
      kind,
      op,
      method: op.method,
      url,
      body: setAt(base, leaf.path, value),
      field: leaf.path.join('.'),
      where: 'body',
      mayPass,
    });
  const paramVariant = (
    kind: ProbeKind,
    p: Operation['params'][number],
    value: string,
    mayPass = false,
  ) =>
    out.push({
      mayPass,
      kind,
      op,
      method: op.method,
      url:
        p.in === 'path'
          ? fillPath(op.path, ids, [p.name, value])
          : `${url}?${p.name}=${encodeURIComponent(value)}`,
      body: op.body ? base : undefined,
      field: p.name,
      where: p.in,
    });

  for (const leaf of leaves) {
    if (isText(leaf.schema) || isMoney(leaf.name, leaf.schema)) bodyVariant('NUL', leaf, NUL);
    if (isDate(leaf.name, leaf.schema)) {
      const when = isTimestamp(leaf.name, leaf.schema)
        ? `${IMPOSSIBLE_DATE}T10:00:00Z`
        : IMPOSSIBLE_DATE;
      bodyVariant('impossible date', leaf, when);
    }
    if (isMoney(leaf.name, leaf.schema)) {
      bodyVariant('huge number', leaf, HUGE_TEXT);
      bodyVariant('huge number', leaf, EDGE_AMOUNT, true);
    } else if (isNumeric(leaf.name, leaf.schema)) {
      bodyVariant('huge number', leaf, HUGE);
      bodyVariant('huge number', leaf, PAST_INT4, true);
    }
  }
  // Every number at the top of its range at once: each value is valid alone, their products
  // (quantity × price, sums of lines) are what overflow a column.
  for (const amount of [EDGE_AMOUNT, '9999999999.99']) {
    let body = base;
    for (const leaf of leaves) {
      if (FIELD_ROWS[leaf.name] || !isNumeric(leaf.name, leaf.schema)) continue;
      const max = FRACTION_NAMES.has(leaf.name)
        ? '0.99'
        : isMoney(leaf.name, leaf.schema)
          ? amount
          : Number(leaf.schema.maximum ?? PAST_INT4);
      body = setAt(body, leaf.path, max);
    }
    if (body !== base) {
      out.push({ kind: 'huge number', op, method: op.method, url, body, mayPass: true });
    }
  }
  for (const p of op.params) {
    const s = branch(doc, p.schema);
    const text = isText(s) || (p.schema.anyOf ?? []).some((a: Schema) => isText(a));
    if (text) paramVariant('NUL', p, NUL);
    if (isDate(p.name, s)) paramVariant('impossible date', p, IMPOSSIBLE_DATE);
    if (isNumeric(p.name, s)) {
      paramVariant('huge number', p, HUGE_TEXT);
      paramVariant('huge number', p, String(PAST_INT4), true);
    }
  }
  out.push({ kind: 'empty body', op, method: op.method, url, body: op.body ? {} : undefined });
  const wrong = ['PUT', 'PATCH', 'POST', 'DELETE', 'GET'].find((m) => !methodsOfPath.includes(m));
  if (wrong) out.push({ kind: 'wrong method', op, method: wrong, url, body: undefined });
  return out;
}
