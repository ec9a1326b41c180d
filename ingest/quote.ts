/**
 * Quoting for the SQL the ingest builds from catalog names. PostgreSQL and DuckDB share the rules
 * (double quotes for identifiers, single quotes for strings), and COPY and read_csv take no bind
 * parameters, so names and timestamps are inlined — always through these two functions.
 */

/** `"name"` with embedded quotes doubled. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'` with embedded quotes doubled. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
