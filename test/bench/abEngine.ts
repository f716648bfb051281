// A/B: the engine in this checkout against the engine in another folder (a patched copy), interleaved in one process.
// Usage: node --import tsx test/bench/abEngine.ts /path/to/other/checkout   (both must have been built: dist/ exists)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** The child: both engines bundled side by side; each is given its own checkout's dist/ for the worker entries. */
function childSource(otherRoot: string): string {
  return `
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Engine as EngineA } from ${JSON.stringify(path.join(ROOT, 'src/core/engine'))};
import { Engine as EngineB } from ${JSON.stringify(path.join(otherRoot, 'src/core/engine'))};
import { summarize, fmtSample, pairedRatio, rotation } from ${JSON.stringify(path.join(ROOT, 'test/bench/stats'))};

const FIXTURES = ${JSON.stringify(path.join(ROOT, 'test/fixtures/bench'))};
const REPS = Number(process.env.BENCH_REPS ?? 7);
const opts = (backend, workers) => ({ backend, workers, compareWithSerial: false, warmupRuns: 0, repeats: 1, taskTimeoutSeconds: 0 });
const identity = (n, backend, chunkSize) => ({ file: path.join(FIXTURES, 'identity.ts'), target: { name: 'identity' }, inputs: Array.from({ length: n }, (_, i) => [i]), options: opts(backend, 2), chunkSize });
const sleepReq = (backend) => ({ file: path.join(FIXTURES, 'sleep.ts'), target: { name: 'longTimeTask' }, inputs: [[0.1], [0.2], [0.3], [0.4], [0.5]], options: opts(backend, 5), chunkSize: 1 });
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const allScenarios = [
  ['dispatch threads chunk 1, ms', (e) => e.run(identity(10000, 'threads', 1), { onEvent: () => {} })],
  ['dispatch threads auto, ms', (e) => e.run(identity(10000, 'threads', 'auto'), { onEvent: () => {} })],
  ['dispatch processes chunk 1, ms', (e) => e.run(identity(10000, 'processes', 1), { onEvent: () => {} })],
  ['dispatch processes auto, ms', (e) => e.run(identity(10000, 'processes', 'auto'), { onEvent: () => {} })],
  ['fixed cost, 2 tasks, ms', (e) => e.run(identity(2, 'threads', 1), { onEvent: () => {} })],
  ['sleep 0.1-0.5 s on 5 threads, overhead ms', async (e) => { await e.run(sleepReq('threads'), { onEvent: () => {} }); return -500; }],
  ['warm run -> first task, ms', async (e) => {
    const t0 = nowUs();
    const out = await e.run(identity(4, 'threads', 1), {});
    const first = Math.min(...out.report.tasks.map((t) => t.startUs));
    return (out.report.clockOriginUs + first - t0) / 1000;
  }],
];
// BENCH_ONLY=word,word keeps the scenarios whose label contains one of the words (e.g. BENCH_ONLY=sleep,auto).
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const scenarios = only.length ? allScenarios.filter(([label]) => only.some((word) => label.includes(word))) : allScenarios;

async function main() {
  const engines = [
    ['A', new EngineA({ distDir: ${JSON.stringify(path.join(ROOT, 'dist'))}, cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ab-a-')) })],
    ['B', new EngineB({ distDir: ${JSON.stringify(path.join(otherRoot, 'dist'))}, cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ab-b-')) })],
  ];
  const times = new Map();
  for (let round = 0; round < REPS + 1; round++) {
    for (const [label, fn] of scenarios) {
      for (const [name, engine] of rotation(engines, round)) {
        const start = performance.now();
        const r = await fn(engine);
        let ms = performance.now() - start;
        if (typeof r === 'number') ms = r < 0 ? ms + r : r;
        if (round > 0) { const k = label + '|' + name; times.set(k, [...(times.get(k) ?? []), ms]); }
      }
    }
    process.stderr.write('round ' + round + ' done\\n');
  }
  for (const [label] of scenarios) {
    const a = times.get(label + '|A'), b = times.get(label + '|B');
    console.log(label.padEnd(44), 'A', fmtSample(summarize(a), 1).padEnd(24), 'B', fmtSample(summarize(b), 1).padEnd(24), 'B/A', fmtSample(pairedRatio(b, a), 2));
  }
  const keep = setInterval(() => {}, 1000);
  await Promise.all(engines.map(([, e]) => e.dispose()));
  clearInterval(keep);
}
main();
`;
}

async function main(): Promise<void> {
  const other = path.resolve(process.argv[2] ?? '');
  if (!fs.existsSync(path.join(other, 'src/core/engine.ts')) || !fs.existsSync(path.join(other, 'dist/taskWorker.js'))) {
    console.error('usage: abEngine.ts /path/to/other/checkout (with src/core/engine.ts and a built dist/)');
    process.exit(2);
  }
  const esbuild = await import('esbuild');
  const outfile = path.join(ROOT, 'out/bench/abEngine.js');
  await esbuild.build({
    stdin: { contents: childSource(other), resolveDir: ROOT, loader: 'ts', sourcefile: 'abEngine-child.ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Each engine must load its own piscina/esbuild the same way; both resolve from this checkout's node_modules.
    external: ['piscina', 'esbuild', '@babel/parser'],
    nodePaths: [path.join(ROOT, 'node_modules')],
    logLevel: 'warning',
  });
  spawnSync(process.execPath, [outfile], { cwd: ROOT, stdio: 'inherit' });
}

void main();
