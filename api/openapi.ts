/**
 * The OpenAPI 3.1 document, built from the same zod schemas the routes validate with, so the
 * document cannot drift from the behaviour. Routes register themselves through api/route.ts.
 */
import { z, type ZodType } from 'zod';
import type { Role } from '../db/schema.ts';

/** One operation as api/route.ts records it. */
export interface OperationDoc {
  method: string;
  path: string; // express style: /customers/:id
  summary: string;
  tag: string;
  roles: readonly Role[] | 'public';
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
  bodyOptional?: boolean;
  response?: ZodType;
  status: number;
  operationId?: string;
  errors?: readonly number[];
  alsoSuccess?: readonly number[];
  csv?: boolean;
  media?: readonly string[];
  form?: boolean;
  bodiless?: Readonly<Record<number, string>>;
}

/**
 * OpenAPI metadata for a decimal carried as a JSON string ("1234.50"): `type: string`,
 * `format: decimal` and its pattern. Requests may still send a JSON number (the schemas accept
 * both); the document names the one form answers use, so generated clients keep exact strings.
 */
export function decimalMeta(pattern: RegExp): { format: 'decimal'; pattern: string } {
  return { format: 'decimal', pattern: pattern.source };
}

/** A decimal string in an answer (money, prices, fractions). */
export const decimalText = z.string().meta(decimalMeta(/^-?\d+(\.\d+)?$/));

function jsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ jsonSchema: js }) => {
      // A decimal input schema is a string|number union underneath: document the string form.
      if (js.format === 'decimal') {
        delete js.anyOf;
        js.type = 'string';
      }
    },
  }) as Record<string, unknown>;
}

function parameters(schema: ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input') as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: prop,
  }));
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const PROBLEMS: Record<number, string> = {
  400: 'invalid input; `errors` names each field and where it is (`in`)',
  401: 'no valid API key or session',
  403: 'the role may not do this; for a session cookie, also a missing CSRF token or another site',
  404: 'not found (or not visible to the caller)',
  406: 'no answer in a format the Accept header takes',
  408: 'the query ran past its time limit and was stopped',
  409: 'conflicts with the current state (duplicate, in use, busy, Idempotency-Key in flight)',
  410: 'the events asked for were removed by retention; `oldestId` is the oldest kept',
  413: 'request body too large',
  415: 'the body is not application/json',
  422: 'well-formed but refused by a business rule or a reference that does not exist',
  429: 'too many queries at once; Retry-After says when to try again',
  503: 'a part it needs is not available (warehouse, marts not built)',
};

/** "price-lists" → "PriceLists"; `single` drops a plural ending ("categories" → "Category"). */
function word(segment: string, single: boolean): string {
  let w = segment.replace(/[-_.](\w)/g, (_m, c: string) => c.toUpperCase());
  if (single) w = w.replace(/ies$/, 'y').replace(/([^s])s$/, '$1');
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/**
 * A stable operationId from method and path: list/get/create/update/delete plus the nouns of the
 * path (a noun followed by an id is singular), or the action for POST …/{id}/action:
 * GET /customers → listCustomers, GET /customers/:id/contacts → listCustomerContacts,
 * POST /orders/:id/confirm → confirmOrder, PATCH /price-lists/:id/items/:itemId →
 * updatePriceListItem.
 */
export function deriveOperationId(op: OperationDoc): string {
  const parts = op.path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean);
  const isParam = (p: string | undefined) => p !== undefined && p.startsWith(':');
  const nouns = (upTo: number, lastSingle: boolean) =>
    parts
      .slice(0, upTo)
      .map((p, i) =>
        isParam(p) ? '' : word(p, isParam(parts[i + 1]) || (lastSingle && i === upTo - 1)),
      )
      .join('');
  const last = parts[parts.length - 1];
  const isList = Boolean(
    op.response &&
    'shape' in op.response &&
    'nextCursor' in (op.response as { shape: object }).shape,
  );
  switch (op.method) {
    case 'get':
      return isList ? `list${nouns(parts.length, false)}` : `get${nouns(parts.length, false)}`;
    case 'patch':
    case 'put':
      return `update${nouns(parts.length, true)}`;
    case 'delete':
      return `delete${nouns(parts.length, true)}`;
    default:
      // POST on …/{id}/action (confirm, cancel, restore, acknowledge): the verb is the action.
      if (parts.length >= 2 && isParam(parts[parts.length - 2]) && op.status !== 201)
        return `${last!.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())}${nouns(parts.length - 1, true)}`;
      if (op.status === 201) return `create${nouns(parts.length, true)}`;
      // POST /followup-rules/apply, POST /ingest/runs (202): the last word is the verb or the noun.
      return op.status === 202
        ? `start${nouns(parts.length, true)}`
        : `${last}${nouns(parts.length - 1, false)}`;
  }
}

function responsesOf(op: OperationDoc): Record<string, unknown> {
  // A handler that returns nothing answers 204 (api/route.ts), unless it sends another media
  // type itself (an SVG, a PNG): then its 200 carries that.
  const success = !op.response && !op.media?.length && op.status === 200 ? 204 : op.status;
  const content: Record<string, unknown> = {};
  if (op.response) content['application/json'] = { schema: jsonSchema(op.response, 'output') };
  for (const type of op.media ?? [])
    content[type] = {
      // Binary bodies (a PNG, an Arrow stream, a Parquet file) say their media type.
      schema:
        type.startsWith('image/png') || type.startsWith('application/vnd.apache.')
          ? { type: 'string', contentMediaType: type }
          : type === 'application/json'
            ? { type: 'object' }
            : { type: 'string' },
    };
  if (op.csv)
    content['text/csv'] = {
      schema: { type: 'string', description: 'format=csv: RFC 4180, a header row' },
    };
  const responses: Record<string, unknown> = {};
  for (const s of [success, ...(op.alsoSuccess ?? [])])
    responses[String(s)] = {
      description: s === success ? 'success' : 'answered with the same body',
      ...(Object.keys(content).length ? { content } : {}),
    };
  const statuses = new Set<number>([400, 404, ...(op.errors ?? [])]);
  if (op.roles !== 'public') [401, 403].forEach((s) => statuses.add(s));
  if (op.body) [413, 415].forEach((s) => statuses.add(s));
  // Any write can meet a duplicate or a missing reference (409/422 from the database mapping),
  // and POSTs go through Idempotency-Key handling, which answers both as well.
  if (op.method !== 'get') [409, 422].forEach((s) => statuses.add(s));
  for (const [s, description] of Object.entries(op.bodiless ?? {})) responses[s] = { description };
  for (const s of [...statuses].sort()) responses[String(s)] ??= problem(PROBLEMS[s] ?? 'problem');
  // A form (the pages' POSTs) gets its page again, with the problem on it, instead of JSON.
  if (op.form)
    for (const s of [400, 401, 403, 422]) {
      const r = responses[String(s)] as { content?: Record<string, unknown> } | undefined;
      if (r?.content) r.content['text/html'] = { schema: { type: 'string' } };
    }
  return responses;
}

/** Build the OpenAPI document for the registered operations; operationIds must be unique. */
export function buildOpenApi(
  ops: readonly OperationDoc[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const ids = new Map<string, string>();
  for (const op of ops) {
    const p = op.path.replace(/:(\w+)/g, '{$1}');
    const operationId = op.operationId ?? deriveOperationId(op);
    const clash = ids.get(operationId);
    if (clash)
      throw new Error(`operationId ${operationId} of ${op.method} ${p} is taken by ${clash}`);
    ids.set(operationId, `${op.method} ${p}`);
    paths[p] ??= {};
    const idempotent =
      op.method === 'post' && op.roles !== 'public'
        ? [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'a repeated request with the same key gets the first answer again',
              schema: { type: 'string', maxLength: 255 },
            },
          ]
        : [];
    paths[p][op.method] = {
      operationId,
      summary: op.summary,
      tags: [op.tag],
      ...(op.roles === 'public' ? { security: [] } : { 'x-roles': op.roles }),
      parameters: [
        ...parameters(op.params, 'path'),
        ...parameters(op.query, 'query'),
        ...idempotent,
      ],
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              content: {
                'application/json': { schema: jsonSchema(op.body, 'input') },
                ...(op.form
                  ? {
                      'application/x-www-form-urlencoded': { schema: jsonSchema(op.body, 'input') },
                    }
                  : {}),
              },
            },
          }
        : {}),
      responses: responsesOf(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'salesops API', version },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }, { session: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'salesops API key' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'salesops_session',
          description:
            'browser session from POST /login; unsafe methods also need the X-CSRF-Token header',
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'message'],
                properties: {
                  field: { type: 'string', description: 'dotted path, e.g. lines.0.quantity' },
                  in: { type: 'string', enum: ['body', 'query', 'path', 'header'] },
                  message: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
    paths,
  };
}
