/**
 * The stock ledger becomes append-only in the database itself, not just by convention: UPDATE,
 * DELETE and TRUNCATE on `stock_movements` raise an error. A wrong movement is corrected by posting
 * another one (an adjustment), so the ledger keeps summing to `stock_levels` and the history that
 * the warehouse extracts never changes under it. Checked before adding: no code path (API, demo
 * loader, CSV import, tests) updates or deletes movements; the demo only COPYs them in.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION reject_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'stock_movements is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'post a correcting movement (an adjustment) instead';
    END $$;

    CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
      FOR EACH ROW EXECUTE FUNCTION reject_ledger_change();
    -- TRUNCATE fires no row triggers, so it needs its own statement-level one.
    CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
      FOR EACH STATEMENT EXECUTE FUNCTION reject_ledger_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER IF EXISTS stock_movements_no_truncate ON stock_movements;
    DROP TRIGGER IF EXISTS stock_movements_append_only ON stock_movements;
    DROP FUNCTION IF EXISTS reject_ledger_change();
  `.execute(db);
}
