/**
 * Run a query and answer it in the format `Accept` asks for, leaving a row in the history
 * whatever happens: what POST /sql and POST /sql/saved/{id}/run both do, so the formats, their
 * headers and the recording are written once.
 */
import type { Request, Response } from 'express';
import type { AppContext } from '../../context.ts';
import type { Role } from '../../db/schema.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { toArrowStream } from './arrow.ts';
import { toCsvText } from './csv.ts';
import { startRecording } from './history.ts';
import { toJsonAnswer } from './json.ts';
import { sendParquet } from './parquet.ts';
import { runSql, type SqlRequest } from './service.ts';

/** The media types POST /sql answers besides application/json. */
export const SQL_MEDIA = {
  csv: 'text/csv',
  arrow: 'application/vnd.apache.arrow.stream',
  parquet: 'application/vnd.apache.parquet',
} as const;

type Format = 'json' | keyof typeof SQL_MEDIA;

/** The format `Accept` asks for (JSON when it says nothing, or anything); 406 for none we have. */
export function formatOf(req: Request): Format {
  const pick = req.accepts(['application/json', ...Object.values(SQL_MEDIA)]);
  if (pick === false)
    throw new AppError(
      'not_acceptable',
      `Accept: answers come as application/json, ${Object.values(SQL_MEDIA).join(', ')}`,
    );
  const entry = Object.entries(SQL_MEDIA).find(([, type]) => type === pick);
  return entry ? (entry[0] as Format) : 'json';
}

/** Who runs the query and under which limits. */
export interface AnswerOptions {
  /** The saved query being run, for the history. */
  savedQueryId?: number;
  /**
   * The role whose limits apply, when not the caller's: an executive runs a shared saved query
   * with an analyst's limits (it is analyst SQL), never SQL of its own.
   */
  limitsOf?: Role;
}

/**
 * Run `request` for `principal` and answer it as `req` asks (JSON is returned for the route to
 * send; the other formats are sent here). Same errors as runSql, plus 406.
 */
export async function answerSql(
  ctx: AppContext,
  principal: Principal,
  request: SqlRequest,
  req: Request,
  res: Response,
  options: AnswerOptions = {},
): Promise<unknown> {
  const runner = { role: options.limitsOf ?? principal.role };
  let format = 'json';
  const record = startRecording(ctx, {
    principal,
    sql: request.sql,
    savedQueryId: options.savedQueryId ?? null,
    format: () => format,
  });
  try {
    const chosen = formatOf(req);
    format = chosen;
    if (chosen === 'parquet') {
      const rows = await sendParquet(ctx, runner, request, res);
      // Parquet's COPY writes at most `limit` rows and does not say whether more were there.
      await record({ status: 200, rowCount: rows, truncated: null });
      return undefined;
    }
    const result = await runSql(ctx, runner, request);
    // Each answer is built before its history row is written, so a run whose answer cannot be
    // built (Arrow's 2 GiB of text in one column: 422) is recorded once, as what was sent.
    const recordAnswer = () =>
      record({ status: 200, rowCount: result.rowCount, truncated: result.truncated });
    if (chosen === 'json') {
      const answer = toJsonAnswer(result);
      await recordAnswer();
      return answer;
    }
    const counted = () => {
      res.setHeader('x-row-count', String(result.rowCount));
      res.setHeader('x-truncated', String(result.truncated));
      return res.status(200);
    };
    if (chosen === 'csv') {
      const text = toCsvText(result);
      await recordAnswer();
      counted()
        .type('text/csv; charset=utf-8')
        .setHeader('content-disposition', 'attachment; filename="query.csv"')
        .send(text);
    } else {
      const bytes = toArrowStream(result);
      await recordAnswer();
      // Not res.send: it would copy the bytes into a Buffer and hash them all for an ETag,
      // which an answer to a POST never uses (~80 ms of a million-row answer).
      counted().type(SQL_MEDIA.arrow).setHeader('content-length', String(bytes.byteLength));
      res.end(bytes);
    }
    return undefined;
  } catch (e) {
    const problem = e instanceof AppError ? e : undefined;
    await record({
      status: problem?.status ?? 500,
      error: problem?.message ?? 'internal error (the server log has the details)',
    });
    throw e;
  }
}
