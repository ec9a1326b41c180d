/**
 * Declares one API operation: validation (zod), required roles, OpenAPI entry and handler in one
 * place. Routes stay HTTP-only; the handler calls the area's service.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import type { ZodType, z } from 'zod';
import type { Role } from '../db/schema.ts';
import { AppError, type FieldLocation } from './errors.ts';
import { noNulCharacters } from './fields.ts';
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
  /** The body may be left out entirely (cancel: the reason is optional); then `{}` is validated. */
  bodyOptional?: boolean;
  response?: ZodType;
  /** Success status (default 200, or 201 for POST that creates). */
  status?: number;
  /** Where the router is mounted, for the OpenAPI path (default /api/v1). */
  mount?: string;
  /** OpenAPI operationId; derived from the method and path when left out (api/openapi.ts). */
  operationId?: string;
  /**
   * Problem statuses this operation answers beyond those api/openapi.ts adds by itself (400, 404,
   * 401/403 with a key, 413/415 with a body, 409/422 for writes): e.g. 503 without a warehouse.
   */
  errors?: readonly number[];
  /** Statuses other than `status` that answer with `response` (health: 503 when degraded). */
  alsoSuccess?: readonly number[];
  /** `format=csv` answers text/csv (the reports). */
  csv?: boolean;
  /** Other media types the success answer comes as (image/svg+xml, image/png). */
  media?: readonly string[];
  /**
   * A write that changes no business data (job, ingest and model runs, API keys): it does not
   * make the warehouse stale, or every refresh asked for would schedule another (jobs/changes.ts).
   */
  bookkeeping?: boolean;
  /**
   * An HTML page (GET /login, GET /): left out of the OpenAPI document, and a signed-out visitor
   * of a page that needs a role is sent to /login (303) instead of a 401.
   */
  page?: boolean;
  /** The body may also come as an HTML form (application/x-www-form-urlencoded). */
  form?: boolean;
  /** Answers without a body beyond `status`, for the OpenAPI document: {303: 'to the page'}. */
  bodiless?: Readonly<Record<number, string>>;
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

  /**
   * `onWrite`: told after each successful write, once it has committed — whether it was
   * bookkeeping (business data did not change, so the warehouse is not stale; events may still
   * have been recorded).
   */
  constructor(private readonly onWrite: (bookkeeping: boolean) => void = () => {}) {}

  /** Each registered path as a matcher, with its methods: what 405's Allow header lists. */
  private readonly matchers: { pattern: RegExp; method: string; isPublic: boolean }[] = [];

  /**
   * Whether `method urlPath` goes to a route declared `roles: 'public'`: the one list of what
   * needs no sign-in, which the authentication middleware asks before routing.
   */
  isPublic(method: string, urlPath: string): boolean {
    const m = method === 'HEAD' ? 'GET' : method;
    return this.matchers.some((x) => x.isPublic && x.method === m && x.pattern.test(urlPath));
  }

  /** The methods registered for `urlPath` (upper case, HEAD with GET), [] for an unknown path. */
  allowedMethods(urlPath: string): string[] {
    const methods = new Set<string>();
    for (const m of this.matchers) {
      if (!m.pattern.test(urlPath)) continue;
      methods.add(m.method);
      if (m.method === 'GET') methods.add('HEAD');
    }
    return [...methods].sort();
  }

  /** Mount `spec` on `router` (paths relative to /api/v1). */
  add<P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined>(
    router: Router,
    spec: RouteSpec<P, Q, B>,
    handler: (input: RouteInput<Infer<P>, Infer<Q>, Infer<B>>) => Promise<unknown> | unknown,
  ): void {
    const status = spec.status ?? 200;
    const fullPath = `${spec.mount ?? '/api/v1'}${spec.path}`;
    if (!spec.page) this.operations.push({ ...spec, path: fullPath, status });
    this.matchers.push({
      pattern: pathPattern(fullPath),
      method: spec.method.toUpperCase(),
      isPublic: spec.roles === 'public',
    });
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      const principal = req.principal;
      if (spec.roles !== 'public') {
        if (!principal && spec.page) return redirectToSignIn(req, res);
        if (!principal)
          throw new AppError(
            'unauthorized',
            req.sessionEnded
              ? 'your session has ended (signed out, expired or disabled); sign in again'
              : 'sign in, or send an API key (Authorization: Bearer KEY)',
          );
        if (principal.role !== 'admin' && !spec.roles.includes(principal.role)) {
          throw new AppError(
            'forbidden',
            `role ${principal.role} may not ${spec.method.toUpperCase()} ${spec.path}`,
          );
        }
      }
      refuseNul(req.params, 'path');
      refuseNul(req.query, 'query');
      refuseNul(req.body, 'body');
      const params = parse(spec.params, req.params, 'path');
      const query = parse(spec.query, req.query, 'query');
      let bodyValue: unknown = req.body;
      if (spec.body) {
        // A POST without a body still says content-length: 0, so "absent" is: nothing parsed and
        // no content type. A body of another type is a 415 even where the body is optional.
        const absent = req.body === undefined && !req.get('content-type');
        if (absent && spec.bodyOptional) bodyValue = {};
        else if (
          req.body === undefined ||
          !(
            req.is('application/json') ||
            (spec.form && req.is('application/x-www-form-urlencoded'))
          )
        ) {
          throw new AppError(
            'unsupported_media_type',
            spec.form
              ? 'send the request body as application/json or an HTML form'
              : 'send the request body as application/json',
          );
        }
      }
      const body = parse(spec.body, bodyValue, 'body');
      const result = await handler({
        params,
        query,
        body,
        principal: principal!,
        req,
        res,
      } as never);
      if (spec.method !== 'get') this.onWrite(spec.bookkeeping === true);
      if (res.headersSent) return;
      // A handler may pick another status itself (health answers 503 when degraded).
      const final = res.statusCode !== 200 ? res.statusCode : status;
      if (result === undefined) res.status(final === 200 ? 204 : final).end();
      else res.status(final).json(result);
    });
  }
}

/** 303 to the sign-in page, which comes back here after signing in. */
function redirectToSignIn(req: Request, res: Response): void {
  seeOther(res, `/login?next=${encodeURIComponent(req.originalUrl)}`);
}

/**
 * 303 See Other with no body: what a form's POST answers (the browser GETs `location`). Not
 * res.redirect, which adds a text body the OpenAPI document would have to describe.
 */
export function seeOther(res: Response, location: string): void {
  res.status(303).location(location).end();
}

/** Express path (`/customers/:id`) → matcher as Express applies it (any case, optional `/`). */
function pathPattern(expressPath: string): RegExp {
  const source = expressPath
    .split(/(:\w+)/)
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`, 'i');
}

/**
 * A known path asked with a method it does not have: 405 with `Allow` (RFC 9110), not 404, so a
 * client sees its mistake is the method. Mount after every router, before the 404 handler.
 */
export function methodNotAllowed(registry: RouteRegistry): RequestHandler {
  return (req, res, next) => {
    const allowed = registry.allowedMethods(req.path);
    if (allowed.length === 0) return next();
    res.set('Allow', allowed.join(', '));
    next(
      new AppError(
        'method_not_allowed',
        `${req.method} is not allowed on ${req.path}; it answers ${allowed.join(', ')}`,
        { allow: allowed },
      ),
    );
  };
}

const PART: Record<FieldLocation, string> = {
  body: 'request body',
  query: 'query parameter',
  path: 'path parameter',
  header: 'header',
};

/**
 * 400 naming every field that holds U+0000 (api/fields.ts), on every operation whether or not
 * it declares a schema for that part: PostgreSQL cannot store it and answered with a 500.
 */
function refuseNul(value: unknown, where: FieldLocation): void {
  const r = noNulCharacters.safeParse(value);
  if (!r.success) throw invalidPart(r.error, where);
}

function parse(schema: ZodType | undefined, value: unknown, where: FieldLocation): any {
  if (!schema) return undefined;
  // Only a missing query or path part means "empty": a JSON `null` body is validated as null, so
  // it reads "expected object, received null" at the root, not as every field missing.
  const r = schema.safeParse(where === 'body' ? value : (value ?? {}));
  if (r.success) return r.data;
  throw invalidPart(r.error, where);
}

/** The 400 for a request part that failed its schema, naming every field that did. */
function invalidPart(error: z.ZodError, where: FieldLocation): AppError {
  const errors = zodFieldErrors(error, where);
  const fields = errors.map((e) => e.field).join(', ');
  return new AppError('bad_request', `invalid ${PART[where]}: ${fields}`, { errors });
}
