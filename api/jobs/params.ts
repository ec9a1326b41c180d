/**
 * What a job may be asked to do by hand (POST /jobs/{name}/run, POST /models/runs, POST
 * /ingest/runs), checked before anything is queued: a typo in a table name, a model selector or
 * a report's name is a 400 naming the field now, not a failed run in the history a minute later.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { tableDenial } from '../../ingest/deny-list.ts';
import { rangeText, TREE_DEPTH, TREE_MIN_SAMPLES } from '../../segment/tree-settings.ts';
import { ModelFileError } from '../../models/engine/header.ts';
import { loadProject } from '../../models/engine/project.ts';
import { SelectionError, selectModels } from '../../models/engine/selection.ts';
import { AppError, fieldProblem, type FieldError } from '../errors.ts';
import { zodFieldErrors } from '../problem.ts';

/** A model selector as the engine reads it (`+name`, `tag:x`, `source:orders+`, …). */
export const selector = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\w:+/.-]+$/, 'a model selector: name, +name, name+, tag:x, path:models/x');

export const ingestParams = z.strictObject({
  full: z.boolean().optional().describe('recopy every selected table whole'),
  tables: z
    .array(z.string().trim().min(1).max(200))
    .max(500)
    .optional()
    .describe('only these tables (default: every table)'),
});

export const buildParams = z.strictObject({
  select: z.array(selector).max(100).optional().describe('model selectors (default: every model)'),
  fullRefresh: z.boolean().optional().describe('rebuild incremental models from scratch'),
});

export const reportParams = z.strictObject({
  report: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .describe('the report to draw: a name in dashboards/reports.yaml'),
});

/** A whole number in one of segment/tree-settings.ts' ranges, refused in its words. */
const treeSetting = (r: { min: number; max: number }) =>
  z.int(rangeText(r)).min(r.min, rangeText(r)).max(r.max, rangeText(r));

/** One run's trees other than SALESOPS_SEGMENT_TREE_DEPTH / _MIN_SAMPLES say (the default). */
export const segmentParams = z.strictObject({
  maxDepth: treeSetting(TREE_DEPTH)
    .optional()
    .describe('levels of splits in the churn and propensity trees'),
  minNumSamples: treeSetting(TREE_MIN_SAMPLES)
    .optional()
    .describe('a tree node with at most this many rows is not split (ml-cart minNumSamples)'),
});

/** Jobs that take parameters; the others take none. */
const PARAMS: Readonly<Record<string, z.ZodType>> = {
  ingest: ingestParams,
  build: buildParams,
  report: reportParams,
  segment: segmentParams,
};

/**
 * The body of POST /jobs/{name}/run checked against what `job` takes: 400 naming each unknown
 * or invalid field, then the job's own checks (tables that exist, selectors that match).
 */
export async function jobParams(
  ctx: AppContext,
  job: string,
  body: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const schema = PARAMS[job] ?? z.strictObject({});
  const r = schema.safeParse(body);
  if (!r.success) throw invalidParams(r.error, job);
  const params = r.data as Record<string, unknown>;
  if (job === 'ingest') await checkTables(ctx, params.tables as string[] | undefined);
  if (job === 'report') checkReport(ctx, String(params.report));
  if (job === 'build') {
    const { select, fullRefresh } = params as z.infer<typeof buildParams>;
    if (!select?.length && !fullRefresh) return {}; // the default: what changed since last time
    checkSelection(select ?? []);
    return { command: 'build', select: select ?? [], fullRefresh };
  }
  return params;
}

/** 400 naming each field, an unknown one included ("not a parameter of the x job"). */
function invalidParams(error: z.ZodError, job: string): AppError {
  const errors: FieldError[] = error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({
          field: [...i.path.map(String), k].join('.'),
          in: 'body' as const,
          message: `not a parameter of the ${job} job`,
        }))
      : zodFieldErrors(new z.ZodError([i]), 'body'),
  );
  return new AppError(
    'bad_request',
    `invalid request body: ${errors.map((e) => e.field).join(', ')}`,
    {
      errors,
    },
  );
}

/**
 * Every selector must match a model of the project as it is on disk now (the build reads the
 * same files): 400 naming `select.<i>` for one that matches nothing, 422 naming the file for a
 * model file the engine cannot read.
 */
export function checkSelection(select: readonly string[]): void {
  let project;
  try {
    project = loadProject();
  } catch (e) {
    if (e instanceof ModelFileError) throw modelFileProblem(e);
    throw e;
  }
  select.forEach((s, i) => {
    try {
      selectModels(project, [s]);
    } catch (e) {
      if (e instanceof SelectionError)
        throw fieldProblem('bad_request', `select.${i}`, e.message, 'body');
      if (e instanceof ModelFileError) throw modelFileProblem(e);
      throw e;
    }
  });
}

/** 422 naming the model file (and line) the message starts with. */
function modelFileProblem(e: ModelFileError): AppError {
  const at = /^(\S+\.(?:sql|json))(?::(\d+))?: /.exec(e.message);
  return new AppError('unprocessable', e.message, {
    ...(at ? { file: at[1], ...(at[2] ? { line: Number(at[2]) } : {}) } : {}),
  });
}

/** 400 naming `report` when dashboards/reports.yaml has no report of that name. */
export function checkReport(ctx: AppContext, name: string): void {
  const known = [...(ctx.reports?.keys() ?? [])];
  if (!known.includes(name))
    throw fieldProblem(
      'bad_request',
      'report',
      `no report named ${name} in dashboards/reports.yaml (the reports are ${known.join(', ') || 'none'})`,
      'body',
    );
}

/**
 * The tables an ingest may copy are the base tables of `public` the deny-list lets through
 * (ingest/catalog.ts reads the same at run time): 400 naming `tables.<i>` for any other name.
 */
export async function checkTables(ctx: AppContext, tables: readonly string[] | undefined) {
  if (!tables?.length) return;
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`.execute(ctx.ops.db);
  const known = new Set(rows.map((r) => r.name));
  const errors: FieldError[] = [];
  tables.forEach((t, i) => {
    const denial = known.has(t) ? tableDenial(t) : undefined;
    if (!known.has(t))
      errors.push({ field: `tables.${i}`, in: 'body', message: `${t} is not a table` });
    else if (denial)
      errors.push({
        field: `tables.${i}`,
        in: 'body',
        message: `${t} is never copied (${denial})`,
      });
  });
  if (errors.length) {
    throw new AppError('bad_request', errors.map((e) => e.message).join('; '), { errors });
  }
}
