// The console's calls to the API: JSON in and out, the session's CSRF token on every write, and
// the API's own words (problem+json `detail`) when something is refused.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/** Media types of the downloads, by format (the API's Accept values). */
const MEDIA = {
  json: 'application/json',
  csv: 'text/csv',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
};

/** A refused or failed call: the problem's detail, status and fields (line, column…). */
export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `The server answered ${status}.`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

async function problemOf(res) {
  const body = await res.json().catch(() => null);
  return new ApiProblem(res.status, body);
}

/** `method url` with a JSON body; → the parsed answer (null for 204). */
export async function api(method, url, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await problemOf(res);
  return res.status === 204 ? null : res.json();
}

/**
 * Run a query (`{sql}` or a saved query's id) in `format`; → the parsed answer for JSON, else
 * (or with `download`) the Response, whose body the caller saves as a file.
 */
export async function runQuery({ sql, savedId, limit, signal }, format = 'json', download = false) {
  const url = savedId ? `/api/v1/sql/saved/${savedId}/run` : '/api/v1/sql';
  const body = savedId ? {} : { sql };
  if (limit) body.limit = limit;
  const res = await fetch(url, {
    method: 'POST',
    headers: { accept: MEDIA[format], 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await problemOf(res);
  return format === 'json' && !download ? res.json() : res;
}

/** Every page of a list answer ({items, nextCursor}), up to `max` items. */
export async function listAll(url, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const page = await api(
      'GET',
      cursor ? `${url}${sep}cursor=${encodeURIComponent(cursor)}` : url,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}
