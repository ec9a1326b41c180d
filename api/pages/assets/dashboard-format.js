// Numbers, money and dates as the server's drawings show them (dashboards/render-money.ts):
// the currency symbol before the amount, thousands separators, two decimals for money. The
// symbol comes from the theme the page was given, so page and SVG export agree.

let symbol = '€';

/** Take the currency symbol from the theme's number locale (`currency: ['€', '']`). */
export function useTheme(theme) {
  const prefix = theme?.locale?.number?.currency?.[0];
  if (typeof prefix === 'string') symbol = prefix;
}

const grouped = (n, digits) =>
  Math.abs(n).toLocaleString('en-GB', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });

/** €1,234.56 (digits 2) or €1,235 (digits 0); a DECIMAL string keeps its cents. */
export function money(value, digits = 2) {
  const n = typeof value === 'number' ? value : Number(value);
  if (value === null || value === undefined || value === '' || !Number.isFinite(n)) return '—';
  return `${n < 0 ? '-' : ''}${symbol}${grouped(n, digits)}`;
}

/** A value in one of the file's formats: money, money0, integer, count, number, percent, date. */
export function formatValue(value, format) {
  if (value === null || value === undefined || value === '') return '—';
  const n = typeof value === 'number' ? value : Number(value);
  switch (format) {
    case 'money':
      return money(value, 2);
    case 'money0':
      return money(value, 0);
    case 'integer':
    case 'count':
      return Number.isFinite(n) ? `${n < 0 ? '-' : ''}${grouped(n, 0)}` : String(value);
    case 'percent':
      return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : String(value);
    case 'number':
      return Number.isFinite(n)
        ? n.toLocaleString('en-GB', { maximumFractionDigits: 2 })
        : String(value);
    case 'date':
      return longDate(String(value));
    default:
      if (typeof value === 'number')
        return value.toLocaleString('en-GB', { maximumFractionDigits: 2 });
      return String(value);
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 2026-01-15 → 15 Jan 2026 (a date, not a moment: no time zone moves it). */
export function longDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso ?? '');
  if (!m) return iso ?? '';
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}

/** 2026-01 → January 2026. */
export function monthName(yyyyMm) {
  const [y, m] = yyyyMm.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-GB', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** "1 Jan 2026 – 31 Mar 2026", "since 1 Jan 2026", "until …", or "all time". */
export function rangeText(from, to) {
  if (from && to) return `${longDate(from)} – ${longDate(to)}`;
  if (from) return `since ${longDate(from)}`;
  if (to) return `until ${longDate(to)}`;
  return 'all time';
}

/** Whether a table column's values line up on the right (numbers) or the left (text). */
export function isNumericFormat(format, sample) {
  if (format === 'text' || format === 'date') return false;
  if (format) return true;
  return typeof sample === 'number';
}
