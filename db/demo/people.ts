/**
 * Demo teams, sales reps, customers and contacts. Customers follow one of five behaviour segments
 * (recorded as the tag 'demo:<segment>') so segmentation and churn analysis find real patterns.
 */
import type { CustomerGroup } from '../schema-crm.ts';
import { SECONDS_PER_DAY, type DemoWindow } from './calendar.ts';
import { cents, isoTimestamp, text, textArray } from './csv.ts';
import { pickWeighted, type Rng } from './prng.ts';

/** Customer behaviour segments; the tag on each customer is `demo:<segment>`. */
export type DemoSegment = 'loyal' | 'lapsing' | 'new' | 'big_ticket' | 'occasional';
export type { CustomerGroup };

/** Segment mix and relative order frequency while active. */
const SEGMENTS: readonly (readonly [DemoSegment, number])[] = [
  ['loyal', 35],
  ['occasional', 25],
  ['lapsing', 15],
  ['new', 15],
  ['big_ticket', 10],
];
const SEGMENT_RATE: Record<DemoSegment, number> = {
  loyal: 1,
  occasional: 0.2,
  lapsing: 1,
  new: 1.3,
  big_ticket: 0.12,
};

/** North-region countries ship from WH-N, the others from WH-S. */
const COUNTRIES = [
  {
    code: 'DE',
    north: true,
    dial: '+49',
    cities: ['Hamburg', 'Berlin', 'Köln', 'Hannover', 'Bremen'],
  },
  {
    code: 'NL',
    north: true,
    dial: '+31',
    cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven'],
  },
  { code: 'BE', north: true, dial: '+32', cities: ['Antwerpen', 'Gent', 'Brussel', 'Liège'] },
  { code: 'DK', north: true, dial: '+45', cities: ['København', 'Aarhus', 'Odense'] },
  { code: 'FR', north: false, dial: '+33', cities: ['Lyon', 'Marseille', 'Toulouse', 'Nice'] },
  { code: 'IT', north: false, dial: '+39', cities: ['Milano', 'Verona', 'Torino', 'Bologna'] },
  {
    code: 'ES',
    north: false,
    dial: '+34',
    cities: ['Barcelona', 'Valencia', 'Madrid', 'Zaragoza'],
  },
  { code: 'AT', north: false, dial: '+43', cities: ['Wien', 'Graz', 'Linz', 'Salzburg'] },
] as const;
const NAME_A = [
  'Nord',
  'Alpen',
  'Blue',
  'Green',
  'Stern',
  'Delta',
  'Atlas',
  'Nova',
  'Terra',
  'Vento',
  'Sol',
  'Luna',
  'Quadra',
  'Prima',
  'Orbit',
  'Vita',
];
const NAME_B = [
  'Logistics',
  'Office',
  'Trading',
  'Systems',
  'Works',
  'Partners',
  'Retail',
  'Consult',
  'Services',
  'Labs',
  'Foods',
  'Build',
];
const FORM: Record<string, string> = {
  DE: 'GmbH',
  NL: 'B.V.',
  BE: 'NV',
  DK: 'ApS',
  FR: 'SARL',
  IT: 'S.r.l.',
  ES: 'S.L.',
  AT: 'GmbH',
};
const FIRST = [
  'Anna',
  'Lukas',
  'Sofia',
  'Jonas',
  'Emma',
  'Marco',
  'Lea',
  'Pieter',
  'Clara',
  'Hugo',
  'Ines',
  'Mads',
  'Giulia',
  'Pablo',
  'Eva',
  'Tom',
];
const LAST = [
  'Müller',
  'de Vries',
  'Rossi',
  'García',
  'Jensen',
  'Martin',
  'Peeters',
  'Huber',
  'Schmidt',
  'Bianchi',
  'Dubois',
  'Janssen',
  'López',
  'Nielsen',
];

export interface DemoRep {
  id: number;
  code: string;
  name: string;
  team: number;
  managerId: number | null;
}

/** Teams: North and South sell to regions, Key Accounts to the largest customers. */
export const DEMO_TEAMS = ['North', 'South', 'Key Accounts'] as const;
const REPS_PER_TEAM = 4;

export function buildReps(rng: Rng): DemoRep[] {
  const reps: DemoRep[] = [];
  DEMO_TEAMS.forEach((_, t) => {
    const managerId = reps.length + 1;
    for (let k = 0; k < REPS_PER_TEAM; k++) {
      const id = reps.length + 1;
      reps.push({
        id,
        code: `R${String(id).padStart(3, '0')}`,
        name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`,
        team: t + 1,
        managerId: k === 0 ? null : managerId,
      });
    }
  });
  return reps;
}

export interface DemoCustomer {
  id: number;
  code: string;
  segment: DemoSegment;
  group: CustomerGroup;
  ownerRepId: number;
  /** Index of the warehouse that normally ships to this customer (0 = WH-N, 1 = WH-S). */
  homeWarehouse: number;
  /** Orders are placed on [activeFrom, activeTo) (epoch days). */
  activeFrom: number;
  activeTo: number;
  /** Relative order frequency while active. */
  rate: number;
  /** Multiplier on line quantities. */
  size: number;
  createdSec: number;
  row: string;
}

/** ~500 customers at the default size, a few more for very large order counts. */
export function customerCount(orders: number): number {
  return Math.max(500, Math.min(99_999, Math.round(orders / 40)));
}

export function buildCustomers(
  rng: Rng,
  window: DemoWindow,
  count: number,
  reps: readonly DemoRep[],
): DemoCustomer[] {
  const customers: DemoCustomer[] = [];
  const teamReps = (team: number) => reps.filter((r) => r.team === team);
  for (let i = 0; i < count; i++) {
    const id = i + 1;
    const code = `C${String(id).padStart(5, '0')}`;
    const segment = pickWeighted(rng, SEGMENTS);
    const group: CustomerGroup =
      segment === 'big_ticket'
        ? rng.chance(0.7)
          ? 'key_account'
          : 'wholesale'
        : pickWeighted(rng, [
            ['retail', 60],
            ['wholesale', 32],
            ['key_account', 8],
          ] as const);
    const country = rng.pick(COUNTRIES);
    const team = group === 'key_account' ? 3 : country.north ? 1 : 2;
    // Managers carry a smaller book than their reps.
    const owner = pickWeighted(
      rng,
      teamReps(team).map((r) => [r.id, r.managerId === null ? 0.4 : 1] as const),
    );
    let activeFrom = window.startDay + rng.int(0, 60);
    let activeTo = window.endDay;
    if (segment === 'lapsing') activeTo = window.endDay - rng.int(90, 270);
    if (segment === 'new') activeFrom = window.endDay - rng.int(7, 180);
    const createdSec =
      (activeFrom - rng.int(1, 30)) * SECONDS_PER_DAY + rng.int(8 * 3600, 17 * 3600);
    const name = `${rng.pick(NAME_A)}${rng.pick(NAME_B).toLowerCase()} ${rng.pick(NAME_B)} ${FORM[country.code]}`;
    const slug = name
      .toLowerCase()
      .replace(/[^a-z]+/g, '-')
      .replace(/^-|-$/g, '');
    const email = `orders.${code.toLowerCase()}@${slug}.example`;
    const phone = `${country.dial} ${rng.int(100, 999)} ${rng.int(1_000_000, 9_999_999)}`;
    const city = rng.pick(country.cities);
    const address = `${rng.pick(NAME_A)}straat ${rng.int(1, 180)}`;
    const creditEuros =
      group === 'retail'
        ? rng.int(5, 20) * 1000
        : group === 'wholesale'
          ? rng.int(25, 100) * 1000
          : rng.int(10, 50) * 10_000;
    // A few lapsing customers stopped because they were blocked (unpaid invoices).
    const blocked = segment === 'lapsing' && rng.chance(0.08);
    const row =
      `${id},${code},${text(name)},${email},${text(phone)},${text(address)},${text(city)},${country.code},${group},` +
      `${cents(creditEuros * 100)},${textArray([`demo:${segment}`])},${owner},${blocked ? 't' : 'f'},${isoTimestamp(createdSec)}\n`;
    customers.push({
      id,
      code,
      segment,
      group,
      ownerRepId: owner,
      homeWarehouse: country.north ? 0 : 1,
      activeFrom,
      activeTo,
      rate: SEGMENT_RATE[segment] * rng.spread(0.5),
      size: (segment === 'big_ticket' ? rng.range(5, 10) : 1) * rng.spread(0.3),
      createdSec,
      row,
    });
  }
  return customers;
}

export function* teamRows(): Generator<string> {
  for (let t = 0; t < DEMO_TEAMS.length; t++) yield `${t + 1},${text(DEMO_TEAMS[t] as string)}\n`;
}

/** Reps (with their team) exist from before the window. */
export function* repRows(reps: readonly DemoRep[], window: DemoWindow): Generator<string> {
  const created = isoTimestamp((window.startDay - 400) * SECONDS_PER_DAY + 9 * 3600);
  for (const r of reps) {
    const email = `${r.code.toLowerCase()}@salesops.example`;
    yield `${r.id},${r.code},${text(r.name)},${email},${r.team},${r.managerId ?? ''},${created}\n`;
  }
}

/** The manager (first rep) of each team, set after the reps exist (teams ↔ reps reference each other). */
export function teamManagers(reps: readonly DemoRep[]): { teamId: number; repId: number }[] {
  return reps.filter((r) => r.managerId === null).map((r) => ({ teamId: r.team, repId: r.id }));
}

/** 1–2 contacts per customer; the first is primary. */
export function* contactRows(rng: Rng, customers: readonly DemoCustomer[]): Generator<string> {
  let id = 0;
  const roles = ['Purchasing', 'Office Manager', 'Finance', 'Operations'];
  for (const c of customers) {
    const n = rng.chance(0.4) ? 2 : 1;
    for (let k = 0; k < n; k++) {
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      const local = `${first}.${last}`
        .normalize('NFD')
        .toLowerCase()
        .replace(/[^a-z.]+/g, '');
      const email = `${local}.${c.code.toLowerCase()}@example.com`;
      yield `${++id},${c.id},${text(`${first} ${last}`)},${rng.pick(roles)},${email},,${k === 0 ? 't' : 'f'},${isoTimestamp(c.createdSec)}\n`;
    }
  }
}
