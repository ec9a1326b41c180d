/** Catalog queries clients send (psql's \dt, \d): not recognised yet. */
export function catalogQuery(_sql: string): string | undefined {
  return undefined;
}
