/**
 * The single Express error handler: every failure leaves as application/problem+json
 * (RFC 9457) with `type`, `title`, `status`, `detail`, `instance`, and `errors` naming fields.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { RunInterruptedError } from '../models/engine/errors.ts';
import { ModelFileError } from '../models/engine/header.ts';
import { SelectionError } from '../models/engine/selection.ts';
import { AppError, fieldProblem, type FieldError, type FieldLocation } from './errors.ts';
import { fromPostgres } from './postgres-errors.ts';
import { UnknownJobError } from '../jobs/errors.ts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * zod issues → field errors with dotted paths inside their part of the request
 * ("lines.0.quantity", with `in: 'body'`); a problem with the whole value is "(root)".
 */
export function zodFieldErrors(err: ZodError, location?: FieldLocation): FieldError[] {
  return err.issues.map((i) => ({
    field: i.path.map(String).join('.') || '(root)',
    ...(location ? { in: location } : {}),
    message: i.message,
  }));
}

/** Map anything thrown to an AppError, or undefined for a genuine bug (500). */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) {
    const errors = zodFieldErrors(err);
    return new AppError(
      'bad_request',
      `invalid request: ${errors.map((e) => e.field).join(', ')}`,
      { errors },
    );
  }
  const engine = fromModelEngine(err);
  if (engine) return engine;
  if (err instanceof UnknownJobError)
    return new AppError('not_found', err.message, { entity: 'job', id: err.job });
  const e = err as { type?: string; status?: number; code?: string; message?: string };
  // body-parser failures carry a `type`.
  if (e?.type === 'entity.parse.failed') return new AppError('bad_request', 'malformed JSON body');
  if (e?.type === 'entity.too.large')
    return new AppError('payload_too_large', 'request body is too large');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new AppError('unsupported_media_type', e.message ?? 'unsupported encoding');
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return fromPostgres(e);
  return undefined;
}

/**
 * The model engine's errors (a route that runs or lists models meets them): a selector that
 * matches nothing is the request's fault (400 naming the body field `select`); a mistake in a
 * model file is the project's (422 naming the file and line, which its message starts with);
 * a run interrupted by shutdown is 503, to be tried again.
 */
function fromModelEngine(err: unknown): AppError | undefined {
  if (err instanceof SelectionError)
    return fieldProblem('bad_request', 'select', err.message, 'body', err.message);
  if (err instanceof ModelFileError) {
    const at = /^(\S+\.(?:sql|json))(?::(\d+))?: /.exec(err.message);
    return new AppError('unprocessable', err.message, {
      ...(at ? { file: at[1], ...(at[2] ? { line: Number(at[2]) } : {}) } : {}),
    });
  }
  if (err instanceof RunInterruptedError) return new AppError('unavailable', err.message);
  return undefined;
}

/** Sends problem+json for `err`; logs 500s with their stack. */
export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const app = toAppError(err);
  const status = app?.status ?? 500;
  if (!app) req.log?.error({ err }, 'unhandled error');
  const body = {
    type: app ? `https://salesops.dev/problems/${app.code}` : 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail: app?.message ?? 'internal error; the request id identifies it in the server log',
    instance: req.originalUrl,
    requestId: req.id,
    ...(app?.extra ?? {}),
  };
  if (res.headersSent) return;
  // 429 says when to come back (RFC 9110 Retry-After, whole seconds).
  const retry = app?.extra.retryAfterSeconds;
  if (typeof retry === 'number') res.set('Retry-After', String(retry));
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
};

/** Unknown routes → 404 problem. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route for ${req.method} ${req.path}`));
};
