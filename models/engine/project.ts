/**
 * Loading a models project from disk: `<root>/<layer>/**.sql` are models (the layer folder is
 * their DuckDB schema), `<root>/tests/*.sql` custom tests, `<root>/sources.json` the sources.
 * Every reference is checked here, before anything touches the warehouse, so a bad project
 * fails fast with the file and line at fault.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDag, type Dag } from './graph.ts';
import {
  ModelFileError,
  parseHeader,
  type FileConfig,
  type Materialization,
  type Severity,
} from './header.ts';
import { loadSources, type SourceTable } from './sources.ts';
import { scanPlaceholders, type Placeholder } from './template.ts';

/** The repository's own models folder (this file lives in models/engine/). */
export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../', import.meta.url));

/** Folders under the root that hold no models. */
const NOT_LAYERS = new Set(['engine', 'tests', 'node_modules']);

/** A parsed model file. */
export interface ModelNode {
  name: string;
  /** Path shown to people, e.g. `models/marts/mart_sales_daily.sql`. */
  file: string;
  layer: string;
  schema: string;
  materialized: Materialization;
  config: FileConfig;
  /** The SELECT with placeholders still in it. */
  sql: string;
  placeholders: Placeholder[];
  /** Models this one reads through ref(). */
  refs: string[];
  /** Source tables (`raw.orders`) this one reads. */
  sources: string[];
}

/** A custom SQL test: a SELECT returning the failing rows. */
export interface CustomTest {
  name: string;
  file: string;
  sql: string;
  placeholders: Placeholder[];
  refs: string[];
  severity: Severity;
  description?: string;
  /** The model whose build runs this test (the `@model`, else the last of its refs). */
  model: string;
}

/** A loaded, validated project. */
export interface Project {
  root: string;
  models: ReadonlyMap<string, ModelNode>;
  tests: readonly CustomTest[];
  sources: ReadonlyMap<string, SourceTable>;
  /** Build order over models: ref() edges, relationship-test parents, custom-test refs. */
  dag: Dag;
  /** Lineage proper (ref() only), for upstream/downstream shown to people. */
  lineage: Dag;
}

function sqlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function readSql(absPath: string, display: string) {
  const { config, body } = parseHeader(fs.readFileSync(absPath, 'utf8'), display);
  // A trailing semicolon is habit from the SQL shell; the engine wraps the SELECT itself.
  const sql = body.replace(/;\s*$/, '').trimEnd();
  if (!/\S/.test(sql)) throw new ModelFileError(`${display}: no SELECT after the header`);
  const placeholders = scanPlaceholders(sql, display);
  return { config, sql, placeholders };
}

/** Load and check the project in `root` (default: this repository's models/). */
export function loadProject(root: string = DEFAULT_MODELS_DIR): Project {
  const base = path.dirname(path.resolve(root));
  const display = (p: string) => path.relative(base, p).split(path.sep).join('/');
  const sources = loadSources(
    path.join(root, 'sources.json'),
    display(path.join(root, 'sources.json')),
  );
  const models = new Map<string, ModelNode>();

  for (const layer of fs.readdirSync(root, { withFileTypes: true })) {
    if (!layer.isDirectory() || NOT_LAYERS.has(layer.name) || layer.name.startsWith('.')) continue;
    for (const abs of sqlFiles(path.join(root, layer.name))) {
      const file = display(abs);
      const name = path.basename(abs, '.sql');
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new ModelFileError(`${file}: a model file name must be a plain SQL name`);
      const other = models.get(name);
      if (other)
        throw new ModelFileError(`${file}: model ${name} is also defined in ${other.file}`);
      const { config, sql, placeholders } = readSql(abs, file);
      const materialized = config.materialized ?? 'view';
      if (materialized === 'incremental' && !config.watermark)
        throw new ModelFileError(`${file}: an incremental model needs @watermark <column>`);
      for (const p of placeholders) {
        if ((p.fn === 'incremental_filter' || p.fn === 'this') && materialized !== 'incremental')
          throw new ModelFileError(
            `${file}:${p.line}: {{ ${p.fn} }} is only for incremental models`,
          );
      }
      models.set(name, {
        name,
        file,
        layer: layer.name,
        schema: config.schema ?? layer.name,
        materialized,
        config,
        sql,
        placeholders,
        refs: [...new Set(placeholders.filter((p) => p.fn === 'ref').map((p) => p.args[0]!))],
        sources: [
          ...new Set(placeholders.filter((p) => p.fn === 'source').map((p) => p.args.join('.'))),
        ],
      });
    }
  }

  const checkRefs = (file: string, placeholders: Placeholder[]) => {
    for (const p of placeholders) {
      if (p.fn === 'ref' && !models.has(p.args[0]!))
        throw new ModelFileError(`${file}:${p.line}: ref('${p.args[0]}') names no model`);
      if (p.fn === 'source' && !sources.has(p.args.join('.')))
        throw new ModelFileError(
          `${file}:${p.line}: source('${p.args.join("', '")}') is not declared in sources.json`,
        );
    }
  };
  const buildParents = new Map<string, string[]>();
  const refParents = new Map<string, string[]>();
  for (const m of models.values()) {
    checkRefs(m.file, m.placeholders);
    for (const t of m.config.tests) {
      if (t.to && !models.has(t.to.model))
        throw new ModelFileError(`${m.file}:${t.line}: ${t.name} names no model ${t.to.model}`);
    }
    refParents.set(m.name, m.refs);
    // A relationships test may point at its own model (parent_id -> id): not an edge.
    const tested = m.config.tests.flatMap((t) => t.to?.model ?? []).filter((n) => n !== m.name);
    buildParents.set(m.name, [...m.refs, ...tested]);
  }
  const fileOf = (n: string) => models.get(n)?.file ?? n;
  const lineage = buildDag(refParents, fileOf);

  const tests: CustomTest[] = [];
  for (const abs of sqlFiles(path.join(root, 'tests'))) {
    const file = display(abs);
    const { config, sql, placeholders } = readSql(abs, file);
    checkRefs(file, placeholders);
    const refs = [...new Set(placeholders.filter((p) => p.fn === 'ref').map((p) => p.args[0]!))];
    if (config.model && !models.has(config.model))
      throw new ModelFileError(`${file}: @model ${config.model} names no model`);
    // Attach to the ref built last, so the test sees every model it reads in its new state.
    const model =
      config.model ??
      [...refs].sort((a, b) => lineage.order.indexOf(b) - lineage.order.indexOf(a))[0];
    if (!model) throw new ModelFileError(`${file}: a custom test must ref() a model or set @model`);
    tests.push({
      name: path.basename(abs, '.sql'),
      file,
      sql,
      placeholders,
      refs,
      severity: config.severity ?? 'error',
      description: config.description,
      model,
    });
    // The test runs with its model's build, so the model itself is no parent of it.
    buildParents.get(model)!.push(...refs.filter((r) => r !== model));
  }
  return { root, models, tests, sources, dag: buildDag(buildParents, fileOf), lineage };
}

/** The fully qualified DuckDB name of a model, e.g. `"marts"."mart_sales_daily"`. */
export function relationOf(m: Pick<ModelNode, 'schema' | 'name'>, suffix = ''): string {
  return `"${m.schema}"."${m.name}${suffix}"`;
}
