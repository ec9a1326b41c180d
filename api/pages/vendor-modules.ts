/**
 * CodeMirror 6 for the SQL console, served as the ES modules its packages ship, straight from
 * node_modules (no CDN, no build step). CodeMirror is ~16 small packages that import each other
 * by bare name (`@codemirror/state`); the page's import map points each name at its file here,
 * and `<link rel="modulepreload">` for all of them lets the browser fetch them at once instead of
 * discovering them import by import (a waterfall of six levels).
 *
 * Only the packages listed are reachable; each file is found from the package's own
 * package.json (`module`, else `main`), so an npm update of CodeMirror needs no change here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_MODULES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../node_modules',
);

/** The packages the console's editor imports, directly or through each other. */
export const EDITOR_PACKAGES = [
  'codemirror',
  '@codemirror/autocomplete',
  '@codemirror/commands',
  '@codemirror/lang-sql',
  '@codemirror/language',
  '@codemirror/lint',
  '@codemirror/search',
  '@codemirror/state',
  '@codemirror/streamparser',
  '@codemirror/view',
  '@lezer/common',
  '@lezer/highlight',
  '@lezer/lr',
  '@marijn/find-cluster-break',
  'crelt',
  'style-mod',
  'w3c-keyname',
] as const;

/** `@codemirror/lang-sql` → `codemirror-lang-sql.js`: one path segment under /assets/vendor/. */
export function moduleFileName(pkg: string): string {
  return `${pkg.replace(/^@/, '').replace(/\//g, '-')}.js`;
}

/** The import map and preload list the console page carries. */
export function editorImportMap(): { imports: Record<string, string> } {
  return {
    imports: Object.fromEntries(
      EDITOR_PACKAGES.map((p) => [p, `/assets/vendor/${moduleFileName(p)}`]),
    ),
  };
}

/** The ES module file of `pkg`, from its package.json. */
function entryOf(pkg: string): string | undefined {
  const dir = path.join(NODE_MODULES, pkg);
  const manifest = path.join(dir, 'package.json');
  if (!fs.existsSync(manifest)) return undefined;
  const json = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {
    module?: string;
    main?: string;
  };
  const rel = json.module ?? json.main;
  return rel ? path.join(dir, rel) : undefined;
}

const BY_NAME = new Map<string, string>(EDITOR_PACKAGES.map((p) => [moduleFileName(p), p]));
const cache = new Map<string, Buffer>();

/** The module file served as `name`, or undefined for a name not on the list. */
export function editorModule(name: string): Buffer | undefined {
  const pkg = BY_NAME.get(name);
  if (!pkg) return undefined;
  let body = cache.get(name);
  if (!body) {
    const file = entryOf(pkg);
    if (!file || !fs.existsSync(file)) return undefined;
    body = fs.readFileSync(file);
    cache.set(name, body);
  }
  return body;
}
