/**
 * The browser builds of Vega, Vega-Lite, vega-embed and vega-interpreter, served from
 * node_modules by file path under /assets/vendor/ (no CDN: a dashboard must draw on a machine
 * with no internet access). An allow-list maps each public name to one file; nothing else in
 * node_modules is reachable.
 *
 * vega-interpreter ships only as an ES module that imports a few names from `vega-util`. Serving
 * vega-util's own module files made the browser fetch ~60 of them on every page (each a
 * request, cached or not: ~350 ms of a 1.6 s draw on the demo, measured with playwright). Those
 * functions are already in vega.min.js, which the page loads first and which puts them on
 * `window.vega`; so the page's import map points `vega-util` at a one-line module re-exporting
 * exactly the names vega-interpreter imports, read from its own import statement at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { editorModule } from './vendor-modules.ts';

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

/** The URL the page's import map gives `vega-util`. */
export const VEGA_UTIL_URL = '/assets/vendor/vega-util.js';

/** The names vega-interpreter imports from vega-util (`import { a, b } from 'vega-util'`). */
export function vegaUtilImports(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]vega-util['"]/g))
    names.push(
      ...m[1]!
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    );
  return names;
}

/** The `vega-util` module the import map points at: vega-interpreter's names from window.vega. */
function vegaUtilShim(): Buffer | undefined {
  const interpreter = read(VENDOR_FILES['vega-interpreter.js']!);
  if (!interpreter) return undefined;
  const names = vegaUtilImports(interpreter.toString('utf8'));
  if (!names.every((n) => /^[A-Za-z_$][\w$]*$/.test(n))) return undefined;
  return Buffer.from(
    '// vega-util as vega.min.js carries it (api/pages/vendor.ts says why).\n' +
      `const { ${names.join(', ')} } = window.vega;\nexport { ${names.join(', ')} };\n`,
  );
}

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
 * The vendor file `name`, read once and kept; undefined for anything not on the list (here, or
 * the SQL console's editor modules in ./vendor-modules.ts).
 */
export function vendorFile(name: string): Buffer | undefined {
  if (Object.hasOwn(VENDOR_FILES, name)) return read(VENDOR_FILES[name]!);
  if (name === 'vega-util.js') {
    let shim = cache.get(name);
    if (!shim) {
      shim = vegaUtilShim();
      if (shim) cache.set(name, shim);
    }
    return shim;
  }
  return editorModule(name);
}
