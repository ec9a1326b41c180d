/**
 * The demo's default size, apart from the generator so that `salesops start --help` and
 * `demo --help` can show it without loading the generator (the lazy-import rule in cli.ts).
 *
 * 20,000 orders ≈ 62,000 lines. Measured on the shared 2-core box: 20–30 s on PGlite, 12–15 s on
 * PostgreSQL (bench/demo.ts).
 */
export const DEFAULT_DEMO_ORDERS = 20_000;
