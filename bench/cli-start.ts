/**
 * bench/cli-start.ts — how long `salesops --help` takes to start, against Node starting tsx alone.
 *
 * Spawns, in rounds (the order rotating each round, so a burst of other load hits every kind):
 *   (a) baseline: `node --import tsx -e 0`, what any TypeScript command here costs at least;
 *   (b) `node bin/salesops.js --help`, what a user types;
 *   (c) `node bin/salesops.js --version` and (d) `node bin/salesops.js models --help`.
 * and prints the median wall time of each, and their ratio to (a) two ways: median over median,
 * and the median over rounds of the ratio within a round (on a shared machine the load changes
 * between rounds more than within one). Goal: (b), (c) and (d) ≤ 0.3 s where (a) takes ~0.2 s,
 * i.e. a ratio ≤ ~1.4. The CLI's lazy-import rule (cli.ts) is what keeps it there.
 *
 *   npx tsx bench/cli-start.ts [--rounds 15] [--root DIR]
 * --root runs another checkout's bin/salesops.js (an older commit, to compare), with its own
 * node_modules; the baseline always uses the same tsx as that checkout.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const ROUNDS = Number(arg('rounds') ?? 15);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a positive integer');
const ROOT = path.resolve(
  arg('root') ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
);

const KINDS = [
  { label: '(a) node --import tsx -e 0', args: ['--import', 'tsx', '-e', '0'] },
  { label: '(b) salesops --help', args: ['bin/salesops.js', '--help'] },
  { label: '(c) salesops --version', args: ['bin/salesops.js', '--version'] },
  { label: '(d) salesops models --help', args: ['bin/salesops.js', 'models', '--help'] },
] as const;

/** Wall time of one spawn, in ms; a failed command stops the bench (it would measure nothing). */
function timeOnce(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const secs = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

// One unmeasured spawn each: tsx's transform cache and the OS file cache are warm afterwards, as
// they are for a user's second command.
for (const k of KINDS) timeOnce(k.args);

const times: number[][] = KINDS.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (let j = 0; j < KINDS.length; j++) {
    const i = (j + round) % KINDS.length;
    times[i]!.push(timeOnce(KINDS[i]!.args));
  }
}

console.log(`${ROOT}, ${ROUNDS} rounds, Node ${process.version}`);
const base = median(times[0]!);
for (const [i, k] of KINDS.entries()) {
  const ms = median(times[i]!);
  const perRound = median(times[i]!.map((t, r) => t / times[0]![r]!));
  console.log(
    `${k.label.padEnd(30)} median ${secs(ms)}` +
      (i === 0
        ? ''
        : `, ratio to (a) ${(ms / base).toFixed(2)} (per round ${perRound.toFixed(2)})`),
  );
}
