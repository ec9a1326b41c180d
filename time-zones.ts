/**
 * Time zone names as settings and files give them (SALESOPS_TIMEZONE, a report's `timezone`):
 * one check, so that what start-up accepts and what a reports file may name cannot differ.
 */

/**
 * Whether the JavaScript runtime knows the zone. Intl.supportedValuesOf('timeZone') is no test:
 * it lists canonical names only and leaves out UTC and aliases (US/Eastern) that PostgreSQL and
 * DuckDB accept. Constructing a formatter is what the code that uses the zone does anyway.
 */
export function isKnownTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
