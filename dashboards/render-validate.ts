/**
 * A panel spec checked against the Vega-Lite 6 JSON schema (draft-07, compiled once) and then by
 * compiling it, with errors in words that name where: "/encoding/x/type: must be one of
 * quantitative, ordinal, temporal, nominal". The dashboards loader prefixes file and panel.
 */
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { compile, type TopLevelSpec } from 'vega-lite';

const require = createRequire(import.meta.url);

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (validator === undefined) {
    const schema = require('vega-lite/vega-lite-schema.json') as Record<string, unknown>;
    // The schema is draft-07 (Ajv's default) and uses keywords Ajv's strict mode refuses.
    const ajv = new Ajv({
      strict: false,
      allErrors: true,
      allowUnionTypes: true,
      validateFormats: false,
      logger: false,
    });
    validator = ajv.compile(schema);
  }
  return validator;
}

function where(path: string): string {
  return path === '' ? 'the spec' : path;
}

function words(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${where(e.instancePath)}: unknown property "${String(p.additionalProperty)}"`;
    case 'required':
      return `${where(e.instancePath)}: missing "${String(p.missingProperty)}"`;
    case 'enum':
      return `${where(e.instancePath)}: must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `${where(e.instancePath)}: must be ${JSON.stringify(p.allowedValue)}`;
    default:
      return `${where(e.instancePath)}: ${e.message ?? e.keyword}`;
  }
}

/** Where an error points: an unknown property points at the property itself. */
function target(e: ErrorObject): string {
  return e.keyword === 'additionalProperties'
    ? `${e.instancePath}/${String((e.params as Record<string, unknown>).additionalProperty)}`
    : e.instancePath;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * The schema's many alternatives (anyOf) each report their own failure; the deepest ones point
 * at the mistake, so only errors at the deepest place reached are kept, and at one path the
 * alternatives are merged into one sentence ("must be a number or one of container").
 */
function summarise(errors: ErrorObject[]): string[] {
  const pool = errors.filter((e) => !['anyOf', 'oneOf', 'if', 'not'].includes(e.keyword));
  if (pool.length === 0) return errors.map(words);
  const depth = (e: ErrorObject) => target(e).split('/').length;
  const deepest = Math.max(...pool.map(depth));
  let chosen = pool.filter((e) => depth(e) === deepest);
  // A value that is there but wrong beats "unknown property" from an alternative that lacks it.
  if (chosen.some((e) => e.keyword !== 'additionalProperties')) {
    chosen = chosen.filter((e) => e.keyword !== 'additionalProperties');
  }
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of chosen) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const out: string[] = [];
  for (const [path, errs] of byPath) {
    const types = new Set<string>();
    const allowed = new Set<string>();
    const other: ErrorObject[] = [];
    for (const e of errs) {
      const p = e.params as Record<string, unknown>;
      if (e.keyword === 'type') for (const t of String(p.type).split(',')) types.add(t);
      else if (e.keyword === 'enum')
        for (const v of p.allowedValues as unknown[]) allowed.add(JSON.stringify(v));
      else if (e.keyword === 'const') allowed.add(JSON.stringify(p.allowedValue));
      else other.push(e);
    }
    const kinds = [...[...types].map(article)];
    if (allowed.size > 0) kinds.push(`one of ${[...allowed].join(', ')}`);
    if (kinds.length > 0) {
      const last = kinds.pop();
      out.push(`${where(path)}: must be ${kinds.length ? `${kinds.join(', ')} or ${last}` : last}`);
    } else {
      for (const e of other) out.push(words(e));
    }
  }
  return [...new Set(out)];
}

/** Errors in words, each naming the path in the spec; an empty list means the spec is good. */
export function validateSpec(spec: unknown): string[] {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    return ['the spec: must be an object'];
  }
  const validate = schemaValidator();
  // The schema requires top-level data, which a panel's spec leaves to its query.
  const withData = 'data' in spec ? spec : { ...spec, data: { values: [] } };
  if (!validate(withData)) return summarise(validate.errors ?? []);
  try {
    // Valid JSON can still be a chart Vega-Lite refuses (a layer mixing incompatible views).
    // Compiled without data: a spec that reads its data is the loader's to fill.
    compile({ ...(spec as object), data: { values: [] } } as TopLevelSpec, {
      logger: quiet as never,
    });
  } catch (err) {
    return [`the spec: ${(err as Error).message}`];
  }
  return [];
}

const quiet = {
  level: () => quiet,
  error: (...m: unknown[]) => {
    throw new Error(m.join(' '));
  },
  warn: () => quiet,
  info: () => quiet,
  debug: () => quiet,
};
