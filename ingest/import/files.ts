/**
 * The import's files, in load order, and their columns: plain data with no imports, so that
 * `salesops import --help` can list them without loading the cell checks (zod, api/fields.ts);
 * see the lazy-import rule in cli.ts. specs.ts checks the cells.
 */

/** How a cell is checked and what SQL type its staging column has. */
export type CellType =
  | 'text'
  | 'email'
  | 'money'
  | 'price'
  | 'fraction'
  | 'quantity'
  | 'instant'
  | 'status'
  | 'country'
  | 'group';

export interface ColumnSpec {
  name: string;
  type: CellType;
  required?: boolean;
}

export interface FileSpec {
  file: string;
  /** Short name for the staging table and messages. */
  name: 'categories' | 'customers' | 'teams' | 'reps' | 'products' | 'orders' | 'order_lines';
  columns: ColumnSpec[];
  /** Columns whose values identify a row (upsert key); a repeat in one file is a bad row. */
  key: string[];
}

const t = (name: string, required = false): ColumnSpec => ({ name, type: 'text', required });

/** Every importable file, in the order they load. */
export const FILES: FileSpec[] = [
  { file: 'categories.csv', name: 'categories', columns: [t('name', true)], key: ['name'] },
  {
    file: 'customers.csv',
    name: 'customers',
    columns: [
      t('code', true),
      t('name', true),
      { name: 'email', type: 'email' },
      t('phone'),
      t('city'),
      { name: 'country', type: 'country' },
      { name: 'customer_group', type: 'group' },
      { name: 'credit_limit', type: 'money' },
    ],
    key: ['code'],
  },
  { file: 'teams.csv', name: 'teams', columns: [t('name', true)], key: ['name'] },
  {
    file: 'reps.csv',
    name: 'reps',
    columns: [t('code', true), t('name', true), { name: 'email', type: 'email' }, t('team')],
    key: ['code'],
  },
  {
    file: 'products.csv',
    name: 'products',
    columns: [
      t('sku', true),
      t('name', true),
      t('category'),
      { name: 'list_price', type: 'price', required: true },
      { name: 'cost', type: 'price' },
    ],
    key: ['sku'],
  },
  {
    file: 'orders.csv',
    name: 'orders',
    columns: [
      t('number', true),
      t('customer_code', true),
      t('rep_code'),
      { name: 'ordered_at', type: 'instant', required: true },
      { name: 'status', type: 'status', required: true },
      { name: 'shipped_at', type: 'instant' },
    ],
    key: ['number'],
  },
  {
    file: 'order_lines.csv',
    name: 'order_lines',
    columns: [
      t('order_number', true),
      t('sku', true),
      { name: 'quantity', type: 'quantity', required: true },
      { name: 'unit_price', type: 'price', required: true },
      { name: 'discount', type: 'fraction' },
    ],
    key: [],
  },
];
