/**
 * One error type for the whole API. Anything thrown as AppError (or a ZodError, or a known
 * PostgreSQL constraint error) becomes an RFC 9457 problem+json answer in api/problem.ts.
 */

const STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  unavailable: 503,
} as const;

/** The closed set of error codes; each maps to one HTTP status. */
export type ErrorCode = keyof typeof STATUS;

/** A field-level problem: JSON path of the field and what is wrong with it. */
export interface FieldError {
  field: string;
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
