/**
 * The walk's requests for the write routes of access, the catalogue, stock and orders: one valid
 * admin request per route, each with the records it acts on made first
 * (test/support/walk-requests.ts joins them with test/support/walk-crm.ts).
 */
import { expect } from 'vitest';
import { id, ok, orderIn, uniq, type Setup, type WalkWorld } from './event-walk.ts';

const category = (w: WalkWorld) => id(w, '/categories', { name: uniq('Cat') });
const product = (w: WalkWorld) =>
  id(w, '/products', { sku: uniq('SKU'), name: 'P', listPrice: '5.00' });
const priceList = (w: WalkWorld) => id(w, '/price-lists', { name: uniq('List') });
const user = (w: WalkWorld) =>
  id(w, '/users', { email: `${uniq('u')}@example.com`, role: 'analyst' });
async function priceListItem(w: WalkWorld) {
  const list = await priceList(w);
  return {
    list,
    item: await id(w, `/price-lists/${list}/items`, { productId: w.productId, unitPrice: '9.00' }),
  };
}
const reorderRule = async (w: WalkWorld) =>
  id(w, '/reorder-rules', {
    productId: await product(w),
    warehouseId: w.warehouseId,
    reorderPoint: 5,
    reorderQuantity: 10,
  });
const orderRule = async (w: WalkWorld) => {
  const rule = uniq('walk').toLowerCase();
  await ok(w.env, 'POST', '/order-rules', {
    id: rule,
    kind: 'minimum_order_value',
    params: { amount: '1.00' },
    active: false,
  });
  return rule;
};

/** Access, catalogue, stock and orders: api-keys to order-rules. */
export const ORDERS_WALK: Record<string, Setup> = {
  'POST /api/v1/api-keys': async () => ({
    url: '/api-keys',
    body: { name: 'walk', role: 'analyst' },
  }),
  'DELETE /api/v1/api-keys/{id}': async (w) => ({
    url: `/api-keys/${await id(w, '/api-keys', { name: 'gone', role: 'analyst' })}`,
  }),
  'POST /api/v1/users': async () => ({
    url: '/users',
    body: { email: `${uniq('new')}@example.com`, role: 'analyst' },
  }),
  'POST /api/v1/users/{id}/disable': async (w) => ({ url: `/users/${await user(w)}/disable` }),
  'POST /api/v1/users/{id}/enable': async (w) => {
    const u = await user(w);
    await ok(w.env, 'POST', `/users/${u}/disable`);
    return { url: `/users/${u}/enable` };
  },
  'POST /api/v1/users/{id}/reset-password': async (w) => ({
    url: `/users/${await user(w)}/reset-password`,
  }),
  'POST /api/v1/categories': async () => ({ url: '/categories', body: { name: uniq('Cat') } }),
  'PATCH /api/v1/categories/{id}': async (w) => ({
    url: `/categories/${await category(w)}`,
    body: { name: uniq('Renamed') },
  }),
  'DELETE /api/v1/categories/{id}': async (w) => ({ url: `/categories/${await category(w)}` }),
  'POST /api/v1/products': async () => ({
    url: '/products',
    body: { sku: uniq('SKU'), name: 'New', listPrice: '12.50', cost: '7.00' },
  }),
  'PATCH /api/v1/products/{id}': async (w) => ({
    url: `/products/${await product(w)}`,
    body: { name: 'Renamed', listPrice: '6.00' },
  }),
  'DELETE /api/v1/products/{id}': async (w) => ({ url: `/products/${await product(w)}` }),
  'POST /api/v1/price-lists': async () => ({ url: '/price-lists', body: { name: uniq('List') } }),
  'PATCH /api/v1/price-lists/{id}': async (w) => ({
    url: `/price-lists/${await priceList(w)}`,
    body: { name: uniq('Renamed') },
  }),
  'DELETE /api/v1/price-lists/{id}': async (w) => ({ url: `/price-lists/${await priceList(w)}` }),
  'POST /api/v1/price-lists/{id}/items': async (w) => ({
    url: `/price-lists/${await priceList(w)}/items`,
    body: { productId: w.productId, unitPrice: '9.50', minQuantity: 10 },
  }),
  'PATCH /api/v1/price-lists/{id}/items/{itemId}': async (w) => {
    const { list, item } = await priceListItem(w);
    return { url: `/price-lists/${list}/items/${item}`, body: { unitPrice: '8.25' } };
  },
  'DELETE /api/v1/price-lists/{id}/items/{itemId}': async (w) => {
    const { list, item } = await priceListItem(w);
    return { url: `/price-lists/${list}/items/${item}` };
  },
  'POST /api/v1/warehouses': async () => ({
    url: '/warehouses',
    body: { code: uniq('W'), name: 'Second', city: 'Lyon' },
  }),
  'PATCH /api/v1/warehouses/{id}': async (w) => ({
    url: `/warehouses/${await id(w, '/warehouses', { code: uniq('W'), name: 'Other' })}`,
    body: { name: 'Renamed' },
  }),
  'POST /api/v1/stock/movements': async (w) => ({
    url: '/stock/movements',
    body: { type: 'receipt', productId: w.productId, warehouseId: w.warehouseId, quantity: 5 },
  }),
  'POST /api/v1/reorder-rules': async (w) => ({
    url: '/reorder-rules',
    body: {
      productId: await product(w),
      warehouseId: w.warehouseId,
      reorderPoint: 3,
      reorderQuantity: 20,
    },
  }),
  'PATCH /api/v1/reorder-rules/{id}': async (w) => ({
    url: `/reorder-rules/${await reorderRule(w)}`,
    body: { reorderPoint: 4 },
  }),
  'DELETE /api/v1/reorder-rules/{id}': async (w) => ({
    url: `/reorder-rules/${await reorderRule(w)}`,
  }),
  'POST /api/v1/alerts/{id}/acknowledge': async (w) => {
    const alert = await w.env.ops.db
      .insertInto('alerts')
      .values({ kind: 'stock.low', message: 'walk', payload: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { url: `/alerts/${alert.id}/acknowledge` };
  },
  'POST /api/v1/orders': async (w) => ({
    url: '/orders',
    body: {
      customerId: w.customerId,
      notes: 'walk',
      lines: [
        { productId: w.productId, quantity: 3, discount: '0.1' },
        { productId: w.productId, quantity: 1, unitPrice: '9.999' },
      ],
    },
  }),
  'POST /api/v1/orders/{id}/confirm': async (w) => ({
    url: `/orders/${(await orderIn(w, 'draft')).id}/confirm`,
  }),
  'POST /api/v1/orders/{id}/approve': async (w) => ({
    url: `/orders/${(await orderIn(w, 'pending_approval')).id}/approve`,
  }),
  'POST /api/v1/orders/{id}/ship': async (w) => ({
    url: `/orders/${(await orderIn(w, 'confirmed')).id}/ship`,
  }),
  'POST /api/v1/orders/{id}/deliver': async (w) => ({
    url: `/orders/${(await orderIn(w, 'shipped')).id}/deliver`,
  }),
  'POST /api/v1/orders/{id}/cancel': async (w) => ({
    url: `/orders/${(await orderIn(w, 'draft')).id}/cancel`,
    body: { reason: 'changed their mind' },
  }),
  'POST /api/v1/orders/{id}/return': async (w) => {
    const order = await orderIn(w, 'delivered');
    return {
      url: `/orders/${order.id}/return`,
      body: { lines: [{ lineId: order.lines[0].id, quantity: 1 }], reason: 'broken' },
    };
  },
  'POST /api/v1/order-rules': async () => ({
    url: '/order-rules',
    body: {
      id: uniq('new').toLowerCase(),
      kind: 'minimum_order_value',
      params: { amount: '5.00' },
      active: false,
    },
  }),
  'PATCH /api/v1/order-rules/{id}': async (w) => ({
    url: `/order-rules/${await orderRule(w)}`,
    body: { description: 'walked' },
  }),
  'DELETE /api/v1/order-rules/{id}': async (w) => ({ url: `/order-rules/${await orderRule(w)}` }),
};
