/**
 * Declares one API operation: validation (zod), required roles, OpenAPI entry and handler in one
 * place. Routes stay HTTP-only; the handler calls the area's service.
 */
import type { Request, Response, Router } from 'express';
import type { ZodType, z } from 'zod';
import type { Role } from '../db/schema.ts';
import { AppError, type FieldLocation } from './errors.ts';
import type { OperationDoc } from './openapi.ts';
import { zodFieldErrors } from './problem.ts';
import type { Principal } from './auth/principal.ts';

type Infer<T> = T extends ZodType ? z.output<T> : undefined;

export interface RouteSpec<
  P extends ZodType | undefined,
  Q extends ZodType | undefined,
  B extends ZodType | undefined,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  /** Roles allowed, or 'public' for routes that need no key. admin is always allowed. */
  roles: readonly Role[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  response?: ZodType;
  /** Success status (default 200, or 201 for POST that creates). */
  status?: number;
  /** Where the router is mounted, for the OpenAPI path (default /api/v1). */
  mount?: string;
}

/** What a handler receives: validated inputs and the caller. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  req: Request;
  res: Response;
}

/** Collects operations for the OpenAPI document while mounting them on routers. */
export class RouteRegistry {
  readonly operations: OperationDoc[] = [];

  /** Mount `spec` on `router` (paths relative to /api/v1). */
  add<P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined>(
    router: Router,
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<unknown> | unknown,
  ): void {
    const status = spec.status ?? 200;
    this.operations.push({ ...spec, path: `${spec.mount ?? '/api/v1'}${spec.path}`, status });
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      const principal = req.principal;
      if (spec.roles !== 'public') {
        if (!principal)
          throw new AppError('unauthorized', 'an API key is required (Authorization: Bearer KEY)');
        if (principal.role !== 'admin' && !spec.roles.includes(principal.role)) {
          throw new AppError(
            'forbidden',
            `role ${principal.role} may not ${spec.method.toUpperCase()} ${spec.path}`,
          );
        }
      }
      const params = parse(spec.params, req.params, 'path');
      const query = parse(spec.query, req.query, 'query');
      if (spec.body && (req.body === undefined || !req.is('application/json'))) {
        throw new AppError('unsupported_media_type', 'send the request body as application/json');
      }
      const body = parse(spec.body, req.body, 'body');
      const result = await handler({
        params,
        query,
        body,
        principal: principal!,
        req,
        res,
      } as never);
      if (res.headersSent) return;
      // A handler may pick another status itself (health answers 503 when degraded).
      const final = res.statusCode !== 200 ? res.statusCode : status;
      if (result === undefined) res.status(final === 200 ? 204 : final).end();
      else res.status(final).json(result);
    });
  }
}

const PART: Record<FieldLocation, string> = {
  body: 'request body',
  query: 'query parameter',
  path: 'path parameter',
  header: 'header',
};

function parse(schema: ZodType | undefined, value: unknown, where: FieldLocation): any {
  if (!schema) return undefined;
  // Only a missing query or path part means "empty": a JSON `null` body is validated as null, so
  // it reads "expected object, received null" at the root, not as every field missing.
  const r = schema.safeParse(where === 'body' ? value : (value ?? {}));
  if (r.success) return r.data;
  const errors = zodFieldErrors(r.error, where);
  const fields = errors.map((e) => e.field).join(', ');
  throw new AppError('bad_request', `invalid ${PART[where]}: ${fields}`, { errors });
}
