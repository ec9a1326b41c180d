/**
 * Money and number formats shared by every rendered panel. Specs say `"format": "$,.0f"`: the `$`
 * of a d3 format is the dashboard's currency symbol, taken from the number locale the view is
 * given (`vegaNumberLocale`), so one spec serves any currency. The browser page passes the same
 * locale to vega-embed (`formatLocale`).
 */

/** The currency used when a caller names none. */
export const DEFAULT_CURRENCY = 'EUR';

/** d3 formats for the format names a KPI tile or table column may use. */
export const FORMATS = {
  money: '$,.2f',
  money0: '$,.0f',
  number: ',.2~f',
  integer: ',.0f',
  percent: '.1%',
} as const;

export type FormatName = keyof typeof FORMATS;

/** A format name (`money`, `percent`, ...) or a d3 format string, as a d3 format string. */
export function d3Format(format: FormatName | string | undefined): string {
  if (format === undefined) return FORMATS.number;
  return format in FORMATS ? FORMATS[format as FormatName] : format;
}

/** The symbol of an ISO 4217 currency as an English reader writes it: EUR → €, USD → $, CHF → CHF. */
export function currencySymbol(currency: string = DEFAULT_CURRENCY): string {
  const code = currency.toUpperCase();
  let parts: Intl.NumberFormatPart[];
  try {
    parts = new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).formatToParts(0);
  } catch {
    throw new Error(
      `unknown currency ${JSON.stringify(currency)}: expected an ISO 4217 code like EUR`,
    );
  }
  return parts.find((p) => p.type === 'currency')?.value ?? code;
}

/** The d3 number locale for a currency: `.` decimals, `,` thousands, the symbol before the amount. */
export function vegaNumberLocale(currency: string = DEFAULT_CURRENCY) {
  const symbol = currencySymbol(currency);
  // A letter code reads as "CHF 1,200.00"; a sign as "€1,200.00".
  const prefix = /^[A-Za-z]+$/.test(symbol) ? `${symbol}\u00a0` : symbol;
  return {
    decimal: '.',
    thousands: ',',
    grouping: [3],
    currency: [prefix, ''] as [string, string],
    minus: '-',
  };
}

/**
 * An amount with symbol and thousands separators, for text made outside Vega (titles, CSV
 * headers, messages). Accepts the strings DECIMAL columns arrive as; exact to the cent for them.
 */
export function formatMoney(
  value: number | string | bigint,
  currency: string = DEFAULT_CURRENCY,
  fractionDigits = 2,
): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return '—';
  const symbol = vegaNumberLocale(currency).currency[0];
  const abs = Math.abs(n).toLocaleString('en-GB', {
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  });
  return `${n < 0 ? '-' : ''}${symbol}${abs}`;
}
