/** Order rules as data: list, create, change, delete (each audited). */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { OrderRuleKind } from '../../db/schema-orders.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError, fieldProblem, notFound } from '../errors.ts';
import { WRITABLE_RULE_PARAMS } from './rules.ts';
import { updateRowById } from '../../db/update-row.ts';
import { recordEvent } from '../events/record-event.ts';
import { toRuleDto } from './schemas.ts';

export function listRules(db: Kysely<DB>) {
  return db.selectFrom('order_rules').selectAll().orderBy('id').execute();
}

export async function getRule(db: Kysely<DB>, id: string) {
  const r = await db.selectFrom('order_rules').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('order rule', id);
  return r;
}

export async function createRule(
  db: Kysely<DB>,
  principal: Principal,
  input: {
    id: string;
    kind: OrderRuleKind;
    params: Record<string, unknown>;
    active?: boolean;
    description?: string | null;
  },
) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('order_rules')
      .values({
        id: input.id,
        kind: input.kind,
        params: JSON.stringify(WRITABLE_RULE_PARAMS[input.kind].parse(input.params)),
        active: input.active,
        description: input.description ?? null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row)
      throw fieldProblem(
        'conflict',
        'id',
        'an order rule with this id already exists',
        'body',
        `order rule ${input.id} already exists`,
      );
    await recordAudit(trx, {
      principal,
      entity: 'order_rule',
      entityId: row.id,
      action: 'create',
      after: row,
      events: [recordEvent('order_rule', 'created', toRuleDto(row), principal)],
    });
    return row;
  });
}

export async function updateRule(
  db: Kysely<DB>,
  principal: Principal,
  id: string,
  input: { params?: Record<string, unknown>; active?: boolean; description?: string | null },
) {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('order_rules')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('order rule', id);
    let params: string | undefined;
    if (input.params !== undefined) {
      const r = WRITABLE_RULE_PARAMS[before.kind].safeParse(input.params);
      if (!r.success)
        throw new AppError('bad_request', `invalid params for a ${before.kind} rule`, {
          errors: r.error.issues.map((i) => ({
            field: ['params', ...i.path.map(String)].join('.'),
            in: 'body' as const,
            message: i.message,
          })),
        });
      params = JSON.stringify(r.data);
    }
    const after = await updateRowById(trx, 'order_rules', id, {
      params,
      active: input.active,
      description: input.description,
    });
    await recordAudit(trx, {
      principal,
      entity: 'order_rule',
      entityId: id,
      action: 'update',
      before,
      after,
      events: [recordEvent('order_rule', 'updated', toRuleDto(after), principal)],
    });
    return after;
  });
}

export async function deleteRule(db: Kysely<DB>, principal: Principal, id: string) {
  await db.transaction().execute(async (trx) => {
    const before = await trx
      .deleteFrom('order_rules')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!before) throw notFound('order rule', id);
    await recordAudit(trx, {
      principal,
      entity: 'order_rule',
      entityId: id,
      action: 'delete',
      before,
      events: [recordEvent('order_rule', 'deleted', toRuleDto(before), principal)],
    });
  });
}
