/**
 * What the orders/inventory area needs beyond 0001: the Idempotency-Key store, a sequence for
 * order numbers, and a starting set of order rules (data, editable through /order-rules).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per (API key, Idempotency-Key). Inserted before the request runs (status_code
    -- null = in progress), completed with the response afterwards; the primary key is what makes
    -- concurrent requests with one key run the handler once.
    CREATE TABLE idempotency_keys (
      api_key_id bigint NOT NULL,
      key text NOT NULL,
      method text NOT NULL,
      path text NOT NULL,
      request_hash text NOT NULL,
      status_code integer,
      content_type text,
      response_body text,
      completed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (api_key_id, key)
    );
    CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
    CREATE TRIGGER idempotency_keys_updated_at BEFORE UPDATE ON idempotency_keys
      FOR EACH ROW EXECUTE FUNCTION set_updated_at();

    CREATE SEQUENCE order_number_seq;

    INSERT INTO order_rules (id, kind, params, description) VALUES
      ('blocked-customer', 'blocked_customer', '{}', 'Blocked customers cannot order'),
      ('credit-limit', 'credit_limit', '{}',
        'Open unpaid orders plus this one stay within the customer''s credit limit'),
      ('max-discount', 'max_discount', '{"caps": {"staff": "0.10"}}',
        'Largest line discount each role may grant; roles not listed (managers, admins) have no cap'),
      ('approval-above-total', 'approval_above_total', '{"threshold": "25000.00"}',
        'Orders above this total wait for a manager''s approval')
    ON CONFLICT (id) DO NOTHING;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DELETE FROM order_rules WHERE id IN
      ('blocked-customer', 'credit-limit', 'max-discount', 'approval-above-total');
    DROP SEQUENCE IF EXISTS order_number_seq;
    DROP TABLE IF EXISTS idempotency_keys;
  `.execute(db);
}
