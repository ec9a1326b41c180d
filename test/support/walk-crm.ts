/**
 * The walk's requests for the write routes of customers, activities, opportunities, teams, SQL,
 * webhooks and jobs: one valid admin request per route, each with the records it acts on made
 * first (test/support/walk-requests.ts joins them with test/support/walk-orders.ts).
 */
import { expect } from 'vitest';
import { id, ok, uniq, type Setup, type WalkWorld } from './event-walk.ts';

const customer = (w: WalkWorld) => id(w, '/customers', { code: uniq('C'), name: 'C' });
const rep = (w: WalkWorld) => id(w, '/reps', { code: uniq('R'), name: 'R' });
const saved = (w: WalkWorld) => id(w, '/sql/saved', { name: uniq('q'), sql: 'SELECT 1' });
async function contact(w: WalkWorld) {
  const c = await customer(w);
  return { c, contact: await id(w, `/customers/${c}/contacts`, { name: 'Ann' }) };
}
const activity = (w: WalkWorld) =>
  id(w, '/activities', { type: 'task', subject: 'S', customerId: w.customerId });
const followupRule = (w: WalkWorld) =>
  id(w, '/followup-rules', {
    name: uniq('rule'),
    trigger: 'customer_created',
    active: false,
    action: { activityType: 'task', subject: 'x' },
  });
const opportunity = (w: WalkWorld) =>
  id(w, '/opportunities', { customerId: w.customerId, title: 'O' });
const quota = async (w: WalkWorld) =>
  id(w, '/quotas', {
    repId: await rep(w),
    periodType: 'year',
    periodStart: '2031-01-01',
    amount: '100',
  });
/**
 * Where the walk's webhooks point: nothing listens on port 9 here, so a delivery fails at once
 * and never leaves the machine (the suite allows private addresses for it).
 */
const WALK_HOOK_URL = 'http://127.0.0.1:9/walk';
/** A webhook; by default of a type nothing records, so it gets no deliveries. */
const webhook = (w: WalkWorld, eventTypes = ['walk.nothing']) =>
  id(w, '/webhooks', { url: WALK_HOOK_URL, eventTypes });
/**
 * A delivery that can be requeued: a webhook taking its own events gets its webhook.created from
 * the dispatcher; once that first attempt has failed, the next waits tens of seconds.
 */
async function failedDelivery(w: WalkWorld) {
  const hook = await webhook(w, ['webhook.*']);
  for (let i = 0; i < 300; i++) {
    const [d] = (await ok(w.env, 'GET', `/webhooks/${hook}/deliveries`)).items;
    if (d?.status === 'pending' && d.attemptCount >= 1) return { hook, delivery: d.id as number };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the dispatcher made no failed attempt within 30 s');
}

/**
 * Customers and contacts, activities and follow-up rules, opportunities, reps, teams, quotas,
 * SQL, webhooks and jobs.
 */
export const CRM_WALK: Record<string, Setup> = {
  'POST /api/v1/customers': async () => ({
    url: '/customers',
    body: { code: uniq('C'), name: 'New customer', tags: ['walk'] },
  }),
  'PATCH /api/v1/customers/{id}': async (w) => ({
    url: `/customers/${await customer(w)}`,
    body: { name: 'Renamed' },
  }),
  'DELETE /api/v1/customers/{id}': async (w) => ({ url: `/customers/${await customer(w)}` }),
  'POST /api/v1/customers/{id}/restore': async (w) => {
    const c = await customer(w);
    const r = await w.env.request('DELETE', `/api/v1/customers/${c}`);
    expect(r.status).toBe(204);
    return { url: `/customers/${c}/restore` };
  },
  'POST /api/v1/customers/{id}/contacts': async (w) => ({
    url: `/customers/${await customer(w)}/contacts`,
    body: { name: 'Ann', email: 'ann@example.com' },
  }),
  'PATCH /api/v1/customers/{id}/contacts/{contactId}': async (w) => {
    const { c, contact: k } = await contact(w);
    return { url: `/customers/${c}/contacts/${k}`, body: { role: 'buyer' } };
  },
  'DELETE /api/v1/customers/{id}/contacts/{contactId}': async (w) => {
    const { c, contact: k } = await contact(w);
    return { url: `/customers/${c}/contacts/${k}` };
  },
  'POST /api/v1/activities': async (w) => ({
    url: '/activities',
    body: { type: 'call', subject: 'Call', customerId: w.customerId },
  }),
  'PATCH /api/v1/activities/{id}': async (w) => ({
    url: `/activities/${await activity(w)}`,
    body: { subject: 'Renamed' },
  }),
  'DELETE /api/v1/activities/{id}': async (w) => ({ url: `/activities/${await activity(w)}` }),
  'POST /api/v1/followup-rules': async () => ({
    url: '/followup-rules',
    body: {
      name: uniq('rule'),
      trigger: 'customer_created',
      active: false,
      action: { activityType: 'task', subject: 'Welcome' },
    },
  }),
  'PATCH /api/v1/followup-rules/{id}': async (w) => ({
    url: `/followup-rules/${await followupRule(w)}`,
    body: { name: uniq('renamed') },
  }),
  'DELETE /api/v1/followup-rules/{id}': async (w) => ({
    url: `/followup-rules/${await followupRule(w)}`,
  }),
  // No active rule: applying creates nothing (the cases where one fires are their own tests).
  'POST /api/v1/followup-rules/apply': async () => ({ url: '/followup-rules/apply' }),
  'POST /api/v1/opportunities': async (w) => ({
    url: '/opportunities',
    body: {
      customerId: w.customerId,
      title: 'Deal',
      lines: [{ productId: w.productId, quantity: 4 }],
    },
  }),
  'PATCH /api/v1/opportunities/{id}': async (w) => ({
    url: `/opportunities/${await opportunity(w)}`,
    body: { title: 'Renamed' },
  }),
  'DELETE /api/v1/opportunities/{id}': async (w) => ({
    url: `/opportunities/${await opportunity(w)}`,
  }),
  'POST /api/v1/reps': async () => ({ url: '/reps', body: { code: uniq('R'), name: 'Rep' } }),
  'PATCH /api/v1/reps/{id}': async (w) => ({
    url: `/reps/${await rep(w)}`,
    body: { name: 'Renamed' },
  }),
  'POST /api/v1/teams': async () => ({ url: '/teams', body: { name: uniq('Team') } }),
  'PATCH /api/v1/teams/{id}': async (w) => ({
    url: `/teams/${await id(w, '/teams', { name: uniq('Team') })}`,
    body: { name: uniq('Renamed') },
  }),
  'POST /api/v1/quotas': async (w) => ({
    url: '/quotas',
    body: { repId: await rep(w), periodType: 'quarter', periodStart: '2031-04-01', amount: '500' },
  }),
  'PATCH /api/v1/quotas/{id}': async (w) => ({
    url: `/quotas/${await quota(w)}`,
    body: { amount: '250' },
  }),
  'DELETE /api/v1/quotas/{id}': async (w) => ({ url: `/quotas/${await quota(w)}` }),
  'POST /api/v1/sql': async () => ({ url: '/sql', body: { sql: 'SELECT 1 AS one' } }),
  'POST /api/v1/sql/saved': async () => ({
    url: '/sql/saved',
    body: { name: uniq('q'), sql: 'SELECT 2' },
  }),
  'PATCH /api/v1/sql/saved/{id}': async (w) => ({
    url: `/sql/saved/${await saved(w)}`,
    body: { name: uniq('renamed') },
  }),
  'DELETE /api/v1/sql/saved/{id}': async (w) => ({ url: `/sql/saved/${await saved(w)}` }),
  'POST /api/v1/sql/saved/{id}/run': async (w) => ({
    url: `/sql/saved/${await saved(w)}/run`,
    body: {},
  }),
  'POST /api/v1/webhooks': async () => ({
    url: '/webhooks',
    body: { url: WALK_HOOK_URL, eventTypes: ['walk.nothing'] },
  }),
  'PATCH /api/v1/webhooks/{id}': async (w) => ({
    url: `/webhooks/${await webhook(w)}`,
    body: { description: 'renamed' },
  }),
  'DELETE /api/v1/webhooks/{id}': async (w) => ({ url: `/webhooks/${await webhook(w)}` }),
  'POST /api/v1/webhooks/{id}/rotate-secret': async (w) => ({
    url: `/webhooks/${await webhook(w)}/rotate-secret`,
  }),
  'POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': async (w) => {
    const { hook, delivery } = await failedDelivery(w);
    return { url: `/webhooks/${hook}/deliveries/${delivery}/redeliver` };
  },
  // The job routes queue real runs: the suite waits for them (and what they chain) to end.
  'POST /api/v1/ingest/runs': async () => ({ url: '/ingest/runs', body: { tables: ['teams'] } }),
  'POST /api/v1/models/runs': async () => ({
    url: '/models/runs',
    body: { command: 'run', select: ['stg_teams'] },
  }),
  'POST /api/v1/jobs/{name}/run': async () => ({ url: '/jobs/stock-alerts/run', body: {} }),
};
