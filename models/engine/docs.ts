/**
 * `models ls` and `models docs`: the project described from its files alone (no warehouse),
 * so a data engineer can read what a model is, what it reads and what checks it before building.
 */
import type { Project } from './project.ts';

/** One line per model: name, materialisation, relation, tags, file. */
export function listModels(project: Project, names: readonly string[]): string[] {
  return names.map((n) => {
    const m = project.models.get(n)!;
    const tags = m.config.tags.length ? ` [${m.config.tags.join(', ')}]` : '';
    return `${m.name.padEnd(30)} ${m.materialized.padEnd(11)} ${m.schema}.${m.name}${tags}  ${m.file}`;
  });
}

/** Markdown documentation of the selected models. */
export function modelDocs(project: Project, names: readonly string[]): string {
  const out: string[] = ['# SQL models', ''];
  for (const n of names) {
    const m = project.models.get(n)!;
    out.push(`## ${m.name}`, '');
    const facts = [`\`${m.schema}.${m.name}\``, m.materialized, `\`${m.file}\``];
    if (m.config.uniqueKey.length) facts.push(`unique key ${m.config.uniqueKey.join(', ')}`);
    if (m.config.tags.length) facts.push(`tags ${m.config.tags.join(', ')}`);
    out.push(facts.join(' · '), '');
    if (m.config.description) out.push(m.config.description, '');
    const cols = Object.entries(m.config.columns);
    if (cols.length) {
      out.push('| column | description |', '|---|---|');
      for (const [c, d] of cols) out.push(`| ${c} | ${d.replace(/\|/g, '\\|')} |`);
      out.push('');
    }
    const tests = [
      ...m.config.tests.map((t) => `${t.name}${t.severity === 'warn' ? ' (warn)' : ''}`),
      ...project.tests
        .filter((t) => t.model === m.name)
        .map((t) => `custom: ${t.file}${t.severity === 'warn' ? ' (warn)' : ''}`),
    ];
    if (tests.length) out.push(`Tests: ${tests.join('; ')}`, '');
    const up = [...project.lineage.parents.get(n)!, ...m.sources].sort();
    const down = [...project.lineage.children.get(n)!].sort();
    out.push(`Upstream: ${up.join(', ') || '—'}  `, `Downstream: ${down.join(', ') || '—'}`, '');
  }
  return out.join('\n');
}
