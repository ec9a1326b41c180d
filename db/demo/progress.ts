/**
 * Shows demo-load progress on stderr: one updating line on a terminal, one line per phase
 * otherwise (CI logs, pipes), so a long first start never looks hung.
 */
import type { DemoProgress } from './index.ts';

export function demoProgressPrinter(
  stream: NodeJS.WriteStream = process.stderr,
): (p: DemoProgress) => void {
  const started = Date.now();
  let lastPhase = '';
  return (p) => {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (stream.isTTY) {
      stream.write(`\r\x1b[2Kdemo data: ${p.phase} ${p.done}/${p.total} (${secs}s)`);
      if (p.phase === 'done') stream.write('\n');
    } else if (p.phase !== lastPhase || p.done === p.total) {
      if (p.done === p.total) stream.write(`demo data: ${p.phase} done (${secs}s)\n`);
    }
    lastPhase = p.phase;
  };
}
