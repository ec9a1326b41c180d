// The filter bar. The page URL is the state: every filter is a query parameter (from, to, team,
// rep, category, country), so a copied link opens the same view. Changing a filter writes the
// URL (history.pushState, so Back undoes it) and asks the page to draw again.

export const FILTERS = ['from', 'to', 'team', 'rep', 'category', 'country'];

/** The filters in the page URL (empty values mean "not set"). */
export function readState() {
  const params = new URLSearchParams(location.search);
  const state = {};
  for (const name of FILTERS) if (params.has(name)) state[name] = params.get(name);
  return state;
}

/** The query string of `state` for the dashboard's own filters, unset ones left out. */
export function queryOf(state, filters) {
  const params = new URLSearchParams();
  for (const name of filters) if (state[name]) params.set(name, state[name]);
  return params.toString();
}

/** Put `state` in the URL; `replace` for a change that is not a step the visitor took. */
export function writeState(state, { replace = false } = {}) {
  const params = new URLSearchParams();
  // An empty from/to stays (it means "open-ended", where no from/to at all means the default
  // range); an empty select is just "all", and the link reads better without it.
  for (const name of FILTERS) {
    const value = state[name];
    if (value === undefined || (value === '' && name !== 'from' && name !== 'to')) continue;
    params.set(name, value);
  }
  const url = `${location.pathname}${params.size ? `?${params}` : ''}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
}

const iso = (y, m, d) => new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10);

/** A preset's dates, for today in the visitor's calendar. */
export function presetRange(preset, today = new Date()) {
  const y = today.getFullYear();
  const m = today.getMonth();
  const todayIso = iso(y, m, today.getDate());
  switch (preset) {
    case 'this-month':
      return { from: iso(y, m, 1), to: iso(y, m + 1, 0) };
    case 'last-month':
      return { from: iso(y, m - 1, 1), to: iso(y, m, 0) };
    case 'this-quarter': {
      const q = m - (m % 3);
      return { from: iso(y, q, 1), to: iso(y, q + 3, 0) };
    }
    case 'ytd':
      return { from: iso(y, 0, 1), to: todayIso };
    case 'last-12-months':
      return { from: iso(y, m - 11, 1), to: iso(y, m + 1, 0) };
    default:
      return null;
  }
}

/** The calendar month `yyyy-mm` as a range. */
export function monthRange(yyyyMm) {
  const [y, m] = yyyyMm.split('-').map(Number);
  return { from: iso(y, m - 1, 1), to: iso(y, m, 0) };
}

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

/** Every item of a list, following nextCursor. */
async function allItems(url) {
  const items = [];
  let cursor = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const page = await getJson(
      `${url}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

function fillSelect(select, options) {
  if (!select || select.disabled) return;
  const current = select.dataset.value ?? select.value;
  const first = select.options[0];
  select.replaceChildren(first);
  for (const { value, label } of options) {
    const option = new Option(label, value, false, value === current);
    select.append(option);
  }
  // A value the lists do not know (an old link) stays visible rather than silently dropped.
  if (current && !options.some((o) => o.value === current))
    select.append(new Option(current, current, false, true));
}

/** Fill the selects from the API's lists: teams, reps (codes), categories, countries sold to. */
export async function fillOptions(form, fixedTeam) {
  const select = (name) => form.querySelector(`select[name="${name}"]`);
  const jobs = [];
  if (select('team'))
    jobs.push(
      allItems('/api/v1/teams?limit=500').then((teams) =>
        fillSelect(
          select('team'),
          teams
            .map((t) => ({ value: String(t.id), label: t.name }))
            .sort((a, b) => a.label.localeCompare(b.label)),
        ),
      ),
    );
  if (select('rep'))
    jobs.push(
      allItems(`/api/v1/reps?limit=500${fixedTeam ? `&teamId=${fixedTeam.value}` : ''}`).then(
        (reps) =>
          fillSelect(
            select('rep'),
            reps
              .map((r) => ({ value: r.code, label: `${r.name} (${r.code})` }))
              .sort((a, b) => a.label.localeCompare(b.label)),
          ),
      ),
    );
  if (select('category'))
    jobs.push(
      getJson('/api/v1/categories').then(({ items }) => {
        const byId = new Map(items.map((c) => [c.id, c]));
        const path = (c) =>
          c.parentId && byId.has(c.parentId) ? `${path(byId.get(c.parentId))} › ${c.name}` : c.name;
        fillSelect(
          select('category'),
          items
            .map((c) => ({ value: String(c.id), label: path(c) }))
            .sort((a, b) => a.label.localeCompare(b.label)),
        );
      }),
    );
  if (select('country'))
    jobs.push(
      getJson('/api/v1/reports/sales?groupBy=country').then(({ rows }) => {
        const names = new Intl.DisplayNames(['en'], { type: 'region' });
        const label = (code) => {
          try {
            return `${names.of(code)} (${code})`;
          } catch {
            return code;
          }
        };
        fillSelect(
          select('country'),
          rows
            .filter((r) => r.key)
            .map((r) => ({ value: String(r.key), label: label(String(r.key)) }))
            .sort((a, b) => a.label.localeCompare(b.label)),
        );
      }),
    );
  await Promise.allSettled(jobs);
}

/** Show `state` in the form (after Back, a preset, or a click on a mark). */
export function showState(form, state) {
  for (const name of FILTERS) {
    const input = form.elements.namedItem(name);
    if (!input || input.disabled) continue;
    const value = state[name] ?? '';
    if (input.tagName === 'SELECT' && value && ![...input.options].some((o) => o.value === value))
      input.append(new Option(value, value));
    input.value = value;
  }
}

/** The form's values as state (a fixed team is not the visitor's to set). */
export function formState(form) {
  const state = {};
  for (const name of FILTERS) {
    const input = form.elements.namedItem(name);
    if (!input || input.disabled) continue;
    state[name] = input.value;
  }
  return state;
}
