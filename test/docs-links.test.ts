/**
 * The reference moves between files (configuration and jobs went into docs/operations.md), and a
 * link or a code comment left pointing at the old file is only found by a reader who follows it.
 * Every relative Markdown link in README.md and docs/*.md must name a file that exists and, with
 * a `#fragment`, a heading of that file (GitHub's anchor rules); every `docs/<name>.md` a source
 * file cites must exist.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const PAGES = [
  path.join(ROOT, 'README.md'),
  ...fs
    .readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(DOCS, f)),
];

/** The text outside fenced code blocks, inline code kept as a placeholder word. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '').replace(/`[^`\n]*`/g, 'code');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats -1, -2. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutFences = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  for (const [, heading] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative link and image targets of a page (absolute URLs left out). */
function relativeLinks(markdown: string): string[] {
  const targets: string[] = [];
  for (const m of prose(markdown).matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const [, , target] = m;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue;
    targets.push(target!);
  }
  return targets;
}

describe('documentation links', () => {
  it('finds links to check (the parser works)', () => {
    const readme = relativeLinks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(readme).toContain('docs/operations.md');
    expect(readme).toContain('docs/images/dashboard-executive.png');
    expect(anchors('# A `code` title: here\n## Same\n## Same\n')).toEqual(
      new Set(['a-code-title-here', 'same', 'same-1']),
    );
  });

  it('every relative link in README.md and docs/*.md reaches an existing file and heading', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = fs.readFileSync(page, 'utf8');
      for (const target of relativeLinks(text)) {
        const [file, fragment] = target.split('#', 2) as [string, string | undefined];
        const resolved = file ? path.resolve(path.dirname(page), decodeURI(file)) : page;
        const where = `${path.relative(ROOT, page)} → ${target}`;
        if (!fs.existsSync(resolved)) {
          broken.push(`${where}: no such file`);
        } else if (fragment && resolved.endsWith('.md')) {
          if (!anchors(fs.readFileSync(resolved, 'utf8')).has(fragment))
            broken.push(`${where}: no heading with this anchor`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('every docs/<name>.md that a source file cites exists', () => {
    const skip = new Set(['node_modules', '.git', 'data', '.tmp']);
    const cited: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (skip.has(entry.name)) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(ts|js|sql|ya?ml|json|md)$/.test(entry.name)) {
          for (const [name] of fs.readFileSync(full, 'utf8').matchAll(/docs\/[\w-]+\.md/g)) {
            if (!fs.existsSync(path.join(ROOT, name)))
              cited.push(`${path.relative(ROOT, full)}: ${name}`);
          }
        }
      }
    };
    walk(ROOT);
    expect(cited).toEqual([]);
  });
});
