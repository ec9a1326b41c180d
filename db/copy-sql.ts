/** Small pieces shared by both operational-db implementations. */

/** `COPY "table" ("a","b") FROM <source> (FORMAT csv)` with quoted identifiers. */
export function copyStatement(table: string, columns: readonly string[], source = 'STDIN'): string {
  const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
  return `COPY ${q(table)} (${columns.map(q).join(', ')}) FROM ${source} (FORMAT csv)`;
}

/** Raised when the operational database cannot be reached; the message is one plain line. */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

/** Turn a pg connect error into one line naming what was tried and why it failed. */
export function describeConnectError(e: unknown, what: string): DatabaseUnreachableError {
  const err = e as NodeJS.ErrnoException & { message: string };
  const reason =
    err.code === 'ECONNREFUSED'
      ? 'connection refused (is the server running?)'
      : err.code === 'ENOTFOUND'
        ? 'host not found'
        : err.code === '3D000'
          ? err.message
          : err.code === '28P01' || err.code === '28000'
            ? `authentication failed: ${err.message}`
            : err.message || String(e);
  return new DatabaseUnreachableError(`Cannot reach ${what}: ${reason}`);
}
