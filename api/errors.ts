/**
 * One error type for the whole API. Anything thrown as AppError (or a ZodError, or a known
 * PostgreSQL constraint error) becomes an RFC 9457 problem+json answer in api/problem.ts.
 */

const STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  /** No answer in a format the Accept header takes. */
  not_acceptable: 406,
  /** A warehouse query stopped at its time limit (warehouse/read/run.ts). */
  timeout: 408,
  conflict: 409,
  /** What was asked for existed once and was removed for good (events past retention). */
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  /** Too many analyst queries at once; `retryAfterSeconds` becomes the Retry-After header. */
  too_many_requests: 429,
  unavailable: 503,
} as const;

/** The closed set of error codes; each maps to one HTTP status. */
export type ErrorCode = keyof typeof STATUS;

/** The part of the request a field is in. */
export type FieldLocation = 'body' | 'query' | 'path' | 'header';

/**
 * A field-level problem: the field's dotted path inside its part of the request
 * (`lines.0.quantity`, never `body.lines.0.quantity`), the part (`in`) and what is wrong with it.
 * `in` is absent for a problem that is not in the request (the stock of a product, a rule).
 */
export interface FieldError {
  field: string;
  in?: FieldLocation;
  message: string;
}

/** Throw this anywhere; the error handler turns it into problem+json. */
export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { errors?: FieldError[]; [k: string]: unknown } = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

/** 404 for `entity` with `id`. */
export function notFound(entity: string, id: string | number): AppError {
  return new AppError('not_found', `${entity} ${id} was not found`, { entity, id });
}

/**
 * A problem about one field: `errors` names it with `message`, and the detail reads
 * `field: message` unless `detail` says otherwise. `where` is the part of the request the field
 * is in; leave it out for a field that is not in the request (a stored order's rep).
 */
export function fieldProblem(
  code: ErrorCode,
  field: string,
  message: string,
  where?: FieldLocation,
  detail = `${field}: ${message}`,
): AppError {
  return new AppError(code, detail, {
    errors: [{ field, ...(where ? { in: where } : {}), message }],
  });
}

/** 422 naming the body field whose referenced record does not exist (or is out of scope). */
export function unknownReference(field: string, entity: string, id: number): AppError {
  return fieldProblem('unprocessable', field, `${entity} ${id} does not exist`, 'body');
}
