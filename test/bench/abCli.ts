// A/B of the CLI cold run: `node dist/cli.js` of this checkout against another checkout's, interleaved, process start to exit.
// Usage: node --import tsx test/bench/abCli.ts /path/to/other/checkout [reps]   (both built: dist/cli.js exists)
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fmtSample, pairedRatio, summarize } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/bench/sleep.ts');
const INPUTS = JSON.stringify([[0.1], [0.2], [0.3], [0.4], [0.5]]);

function wallMs(root: string): Promise<number> {
  const args = [path.join(root, 'dist/cli.js'), FIXTURE, '--fn', 'longTimeTask', '--inputs', INPUTS, '--workers', '5', '--no-serial'];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`cli exited ${code}: ${stderr.slice(0, 500)}`))));
  });
}

async function main(): Promise<void> {
  const other = path.resolve(process.argv[2] ?? '');
  const reps = Number(process.argv[3] ?? 10);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round <= reps; round++) {
    const order = round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const);
    for (const which of order) {
      const ms = await wallMs(which === 'A' ? ROOT : other);
      if (round > 0) (which === 'A' ? a : b).push(ms - 500);
    }
  }
  console.log('CLI sleep overhead over 500 ms, ms   A', fmtSample(summarize(a), 1), '  B', fmtSample(summarize(b), 1), '  B/A', fmtSample(pairedRatio(b, a), 2));
}

void main();
