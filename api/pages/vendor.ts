/**
 * The browser builds of Vega, Vega-Lite, vega-embed and vega-interpreter, served from
 * node_modules by file path under /assets/vendor/ (no CDN: a dashboard must draw on a machine
 * with no internet access). An allow-list maps each public name to one file; nothing else in
 * node_modules is reachable. vega-interpreter ships only as an ES module that imports
 * `vega-util`, so vega-util's own module files (all relative imports inside its build folder)
 * are served too, and the dashboard page maps the bare name to them with an import map.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_MODULES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../node_modules',
);

/** Public name → file under node_modules. */
const VENDOR_FILES: Readonly<Record<string, string>> = {
  'vega.min.js': 'vega/build/vega.min.js',
  'vega-lite.min.js': 'vega-lite/build/vega-lite.min.js',
  'vega-embed.min.js': 'vega-embed/build/vega-embed.min.js',
  'vega-interpreter.js': 'vega-interpreter/build/vega-interpreter.js',
};

const VEGA_UTIL_DIR = 'vega-util/build';

/** vega-util's module files, listed once: `index.js`, `accessor.js`, … (no maps, no typings). */
const VEGA_UTIL_FILES: ReadonlySet<string> = new Set(
  fs.existsSync(path.join(NODE_MODULES, VEGA_UTIL_DIR))
    ? fs
        .readdirSync(path.join(NODE_MODULES, VEGA_UTIL_DIR))
        .filter((f) => /^[A-Za-z]+\.js$/.test(f))
    : [],
);

/** The URL the page's import map gives `vega-util`. */
export const VEGA_UTIL_URL = '/assets/vendor/vega-util/index.js';

const cache = new Map<string, Buffer>();

function read(rel: string): Buffer | undefined {
  let body = cache.get(rel);
  if (!body) {
    const file = path.join(NODE_MODULES, rel);
    if (!fs.existsSync(file)) return undefined;
    body = fs.readFileSync(file);
    cache.set(rel, body);
  }
  return body;
}

/**
 * The vendor file `name` (`vega.min.js`, or `vega-util/<file>.js`), read once and kept; undefined
 * for anything not on the list.
 */
export function vendorFile(name: string): Buffer | undefined {
  if (Object.hasOwn(VENDOR_FILES, name)) return read(VENDOR_FILES[name]!);
  const util = /^vega-util\/([A-Za-z]+\.js)$/.exec(name);
  if (util && VEGA_UTIL_FILES.has(util[1]!)) return read(`${VEGA_UTIL_DIR}/${util[1]}`);
  return undefined;
}
