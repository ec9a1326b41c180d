/**
 * The SQL console's page over HTTP (issue #15): who gets it and in which mode, the strict CSP
 * with the import map under this answer's nonce, and the editor's modules — served from
 * node_modules by allow-list only, and every bare import of every one of them named in the
 * page's import map (an npm update of CodeMirror that adds a package fails here, not in a
 * browser). The page at work is in sql-console-browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDITOR_PACKAGES, editorImportMap, moduleFileName } from '../api/pages/vendor-modules.ts';
import { startTestEnv, type TestEnv } from './support/harness.ts';
import { asSession, signInAs } from './support/sessions.ts';

/** The bare specifiers a module imports (static and re-exports): not ./relative or /absolute. */
function bareImports(source: string): string[] {
  const out = new Set<string>();
  for (const m of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/gm))
    out.add(m[1]!);
  for (const m of source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) out.add(m[1]!);
  return [...out].filter((s) => !s.startsWith('.') && !s.startsWith('/'));
}

describe('the SQL console page [embedded]', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv('embedded');
  });
  afterAll(async () => {
    await env?.close();
  });

  const page = async (role: 'analyst' | 'admin' | 'executive' | 'staff') =>
    env.request('GET', '/sql', asSession(await signInAs(env, role)));

  it('analysts and admins write SQL, executives run shared queries, other roles get a page saying no', async () => {
    for (const role of ['analyst', 'admin'] as const) {
      const r = await page(role);
      expect(r.status, role).toBe(200);
      expect(r.text).toContain('"mode":"write"');
      expect(r.text).toContain('id="save"');
    }
    const exec = await page('executive');
    expect(exec.status).toBe(200);
    expect(exec.text).toContain('"mode":"shared"');
    expect(exec.text).not.toContain('id="save"');
    expect(exec.text).not.toContain('id="side-schema"');
    for (const role of ['staff'] as const) {
      const r = await page(role);
      expect(r.status, role).toBe(403);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.text).toContain(`the ${role} role has none`);
    }
    const out = await env.request('GET', '/sql', { key: null });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/sql')}`);
  });

  it('carries the import map under its nonce, preloads the editor, and keeps the CSP strict', async () => {
    const r = await page('analyst');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    // A base64 nonce may hold + and /: found as text, not as a pattern.
    const open = `<script type="importmap" nonce="${nonce}">`;
    const at = r.text.indexOf(open);
    const map =
      at < 0 ? null : [open, r.text.slice(at + open.length, r.text.indexOf('</script>', at))];
    expect(map, 'import map with this answer’s nonce').not.toBeNull();
    const imports = JSON.parse(map![1]!).imports as Record<string, string>;
    expect(imports).toMatchObject(editorImportMap().imports);
    expect(imports['vega-util']).toBe('/assets/vendor/vega-util.js');
    for (const url of Object.values(editorImportMap().imports))
      expect(r.text).toContain(`<link rel="modulepreload" href="${url}" />`);
    // The editor's styles carry the nonce: the script reads it from the page's config.
    expect(r.text).toContain(`"nonce":"${nonce}"`);
  });

  it('serves every editor module, each of whose bare imports the map names; nothing else', async () => {
    const map = editorImportMap().imports;
    for (const pkg of EDITOR_PACKAGES) {
      const r = await fetch(`${env.baseUrl}/assets/vendor/${moduleFileName(pkg)}`);
      expect(r.status, pkg).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/javascript/);
      const missing = bareImports(await r.text()).filter((s) => !(s in map));
      expect(missing, `${pkg} imports what the import map lacks`).toEqual([]);
    }
    // The console's own modules import only what the map has, or files of ours.
    for (const file of [
      'sql.js',
      'sql-editor.js',
      'sql-chart.js',
      'sql-grid.js',
      'sql-side.js',
      'vega-embed.js',
    ]) {
      const r = await fetch(`${env.baseUrl}/assets/${file}`);
      expect(r.status, file).toBe(200);
      expect(bareImports(await r.text()).filter((s) => !(s in map) && s !== 'vega-util')).toEqual(
        [],
      );
    }
    for (const file of [
      'codemirror-state',
      'codemirror-view.js.map',
      'codemirror-state%2F..%2Fpackage.json',
      '..%2Fcodemirror%2Fpackage.json',
      'esbuild.js',
    ])
      expect((await fetch(`${env.baseUrl}/assets/vendor/${file}`)).status, file).toBe(404);
  });
});
