// A/B of cold "run → first task": coldStartProbe.ts of this checkout against another checkout's, each a fresh node process,
// interleaved. Usage: node --import tsx test/bench/abCold.ts /path/to/other/checkout [reps] [mode,mode]
// (modes: engine-threads, engine-processes, engine-threads-prewarmed, anchor; both checkouts built: dist/ exists)
import * as path from 'node:path';
import { fmtSample, pairedRatio, summarize } from './stats';
import { runProbe } from './probeProcess';

const ROOT = path.resolve(__dirname, '../..');

async function build(root: string, outfile: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(root, 'test/bench/coldStartProbe.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['piscina', 'tinypool', 'workerpool', 'esbuild', '@babel/parser', 'playwright-core'],
    logLevel: 'warning',
  });
}

async function main(): Promise<void> {
  const other = path.resolve(process.argv[2] ?? '');
  const reps = Number(process.argv[3] ?? 8);
  const modes = (process.argv[4] ?? 'engine-threads,anchor').split(',');
  // Beside each checkout's node_modules, so the probe finds piscina and esbuild from its own tree.
  const scripts = { A: path.join(ROOT, 'out/bench/abColdProbe.js'), B: path.join(other, 'out/bench/abColdProbe.js') };
  await build(ROOT, scripts.A);
  await build(other, scripts.B);
  for (const mode of modes) {
    const a: number[] = [];
    const b: number[] = [];
    for (let round = 0; round < reps; round++) {
      for (const which of round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
        const result = await runProbe(scripts[which], mode, which === 'A' ? ROOT : other);
        (which === 'A' ? a : b).push(result.firstTaskMs);
      }
    }
    console.log(`${mode.padEnd(26)} run → first task ms   A`, fmtSample(summarize(a), 1), '  B', fmtSample(summarize(b), 1), '  B/A', fmtSample(pairedRatio(b, a), 2));
  }
}

void main();
