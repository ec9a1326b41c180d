/**
 * Answers seen by the tests, checked against the OpenAPI document: an answer whose status or
 * content type the document does not list for that operation is a contract break.
 *
 * Why files and a global teardown: vitest runs test files in parallel forked workers, so there is
 * no shared memory to collect into. Each worker appends its observations to its own file
 * (`<pid>.jsonl`, so no two processes write one file) in a folder the global setup made for this
 * run (handed over with `provide`, so two runs never mix), and the global teardown, which runs once
 * after every worker has exited, reads them all and fails the run on a misfit. The same check runs
 * inside test/openapi-contract.test.ts over a fixed set of calls, so a misfit also fails a named
 * test when that file runs alone.
 */
import fs from 'node:fs';
import path from 'node:path';

/** One answer as the harness saw it. */
export interface Observation {
  method: string;
  path: string; // URL path without the query string
  status: number;
  contentType: string; // media type without parameters, '' when absent
}

type OpenApiDoc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
  >;
};

/** Append `o` to this process's observation file in `dir`. */
export function recordObservation(dir: string, o: Observation): void {
  fs.appendFileSync(path.join(dir, `${process.pid}.jsonl`), JSON.stringify(o) + '\n');
}

/** What this process recorded in `dir` so far (a test can check its own answers at once). */
export function ownObservations(dir: string): Observation[] {
  const file = path.join(dir, `${process.pid}.jsonl`);
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return lines.map((line) => JSON.parse(line) as Observation);
}

/** Save the document once per run (every worker builds the same one from the same code). */
export function saveDocument(dir: string, doc: unknown): void {
  const file = path.join(dir, 'openapi.json');
  if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify(doc));
}

/** Every observation recorded in `dir`, and the document if one was saved. */
export function readObservations(dir: string): { doc?: OpenApiDoc; observed: Observation[] } {
  const observed: Observation[] = [];
  let doc: OpenApiDoc | undefined;
  for (const name of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    if (name === 'openapi.json') doc = JSON.parse(text) as OpenApiDoc;
    else if (name.endsWith('.jsonl'))
      for (const line of text.split('\n')) if (line) observed.push(JSON.parse(line) as Observation);
  }
  return { doc, observed };
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{\w+\})/)
    .map((p) => (p.startsWith('{') ? '[^/]+' : p.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`, 'i');
}

/**
 * The misfits among `observed`, one line each (deduplicated): a documented path answered with a
 * status or content type its operation does not list, or a method it does not have answered with
 * anything but 405. Unknown paths are skipped (their 404 is the API-wide convention in
 * docs/conventions.md).
 */
export function undocumented(doc: OpenApiDoc, observed: readonly Observation[]): string[] {
  const templates = Object.keys(doc.paths).map((t) => ({ t, re: templatePattern(t) }));
  const misfits = new Set<string>();
  for (const o of observed) {
    const method = o.method.toLowerCase() === 'head' ? 'get' : o.method.toLowerCase();
    const matching = templates.filter((x) => x.re.test(o.path));
    if (matching.length === 0) continue;
    // Express tries routes in order; a static segment and a parameter can both match
    // (/followup-rules/apply, /followup-rules/{id}): take one that has the method, fewest params.
    const withMethod = matching
      .filter((x) => doc.paths[x.t]![method])
      .sort((a, b) => a.t.split('{').length - b.t.split('{').length);
    const found = withMethod[0];
    const where = `${o.method} ${found?.t ?? matching[0]!.t}`;
    if (!found) {
      // A page shares its path with a form's POST (GET /login beside POST /login); pages are
      // HTML for people, outside the API, and not in the document.
      if (!o.path.startsWith('/api/')) continue;
      if (o.status !== 405) misfits.add(`${where}: answered ${o.status}, expected 405`);
      continue;
    }
    const response = doc.paths[found.t]![method]!.responses[String(o.status)];
    if (!response) {
      misfits.add(`${where}: status ${o.status} is not documented`);
      continue;
    }
    const types = Object.keys(response.content ?? {});
    if (
      o.contentType === '' ? types.length > 0 && o.status !== 204 : !types.includes(o.contentType)
    )
      misfits.add(
        `${where} ${o.status}: content type "${o.contentType}" is not documented (${types.join(', ') || 'none'})`,
      );
  }
  return [...misfits].sort();
}
