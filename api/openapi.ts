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
  response?: ZodType;
  status: number;
}

function jsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
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

const problem = {
  description: 'RFC 9457 problem',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

/** Build the OpenAPI document for the registered operations. */
export function buildOpenApi(
  ops: readonly OperationDoc[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const p = op.path.replace(/:(\w+)/g, '{$1}');
    paths[p] ??= {};
    const responses: Record<string, unknown> = {
      [String(op.status)]: {
        description: 'success',
        ...(op.response
          ? { content: { 'application/json': { schema: jsonSchema(op.response, 'output') } } }
          : {}),
      },
      '400': problem,
      '404': problem,
    };
    if (op.roles !== 'public') {
      responses['401'] = problem;
      responses['403'] = problem;
    }
    paths[p][op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(op.roles === 'public' ? { security: [] } : { 'x-roles': op.roles }),
      parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(op.body, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'salesops API', version },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'salesops API key' },
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
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    paths,
  };
}
