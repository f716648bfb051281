// A fresh process that times "run" → first task start once, cold, then warm; coldStart.ts starts one per repetition.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nowUs } from './child';
import { createEngine, disposeEngine, FIXTURES, firstStartAbsUs, runOptions } from './engineDriver';
import type { RunRequest } from '../../src/core/api';
import type { RunEvent } from '../../src/shared/events';
import type { BackendKind } from '../../src/shared/report';

export const COLD_FILE = path.join(FIXTURES, 'coldStart', 'simulation.ts');
const WORKERS = 2;
const INPUTS = [[1], [2], [3], [4]];

export interface ProbeResult {
  mode: string;
  /** "run" → first task start, ms. */
  firstTaskMs: number;
  /** Later runs on the same engine (bundle cached, pool warm); the last is the settled value. */
  warmFirstTaskMs: number[];
  /** Milestones of the first run, ms after "run": where the cold time goes. */
  pieces: Record<string, number>;
}

function request(backend: BackendKind): RunRequest {
  return { file: COLD_FILE, target: { name: 'simulate' }, inputs: INPUTS, options: runOptions(backend, WORKERS), chunkSize: 1 };
}

/** One engine run; returns ms from the call to the first task's start and the first time each event type arrived. */
async function timedEngineRun(engine: Awaited<ReturnType<typeof createEngine>>, backend: BackendKind): Promise<{ firstTaskMs: number; pieces: Record<string, number> }> {
  const pieces: Record<string, number> = {};
  const t0 = nowUs();
  const outcome = await engine.run(request(backend), {
    onEvent: (event: RunEvent) => {
      if (process.env.BENCH_DEBUG) process.stderr.write(`${((nowUs() - t0) / 1000).toFixed(1)} ${event.type}\n`);
      const key = `first ${event.type}`;
      if (!(key in pieces)) pieces[key] = (nowUs() - t0) / 1000;
    },
  });
  const first = firstStartAbsUs(outcome.report);
  if (first === undefined) throw new Error(`no task started: ${outcome.report.failure ?? outcome.report.status}`);
  pieces['run() returned'] = (nowUs() - t0) / 1000;
  return { firstTaskMs: (first - t0) / 1000, pieces };
}

async function engineProbe(mode: string, backend: BackendKind, cacheDir: string, prewarm: boolean): Promise<ProbeResult> {
  const engine = await createEngine(cacheDir);
  if (prewarm) await engine.prewarm(request(backend));
  const cold = await timedEngineRun(engine, backend);
  const warmFirstTaskMs: number[] = [];
  for (let i = 0; i < 3; i++) warmFirstTaskMs.push((await timedEngineRun(engine, backend)).firstTaskMs);
  await disposeEngine(engine);
  return { mode, firstTaskMs: cold.firstTaskMs, warmFirstTaskMs, pieces: cold.pieces };
}

/** The anchor: what raw esbuild + raw piscina need for the same file, loaded lazily as the engine must. */
async function anchorProbe(tmpDir: string): Promise<ProbeResult> {
  const pieces: Record<string, number> = {};
  const t0 = nowUs();
  const mark = (name: string) => (pieces[name] = (nowUs() - t0) / 1000);
  const esbuild = await import('esbuild');
  mark('esbuild loaded');
  const outfile = path.join(tmpDir, 'anchor.mjs');
  await esbuild.build({
    stdin: {
      contents: `import { simulate } from ${JSON.stringify(COLD_FILE)};
export default function (arg) { const startUs = Number(process.hrtime.bigint() / 1000n); simulate(arg); return startUs; }`,
      resolveDir: path.dirname(COLD_FILE),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    sourcemap: true,
    logLevel: 'silent',
  });
  mark('bundle written');
  const { Piscina } = await import('piscina');
  mark('piscina loaded');
  const pool = new Piscina({ filename: outfile, minThreads: WORKERS, maxThreads: WORKERS });
  const starts = (await Promise.all(INPUTS.map((args) => pool.run(args[0])))) as number[];
  const firstTaskMs = (Math.min(...starts) - t0) / 1000;
  pieces['first task started'] = firstTaskMs;
  const warmFirstTaskMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t1 = nowUs();
    const again = (await Promise.all(INPUTS.map((args) => pool.run(args[0])))) as number[];
    warmFirstTaskMs.push((Math.min(...again) - t1) / 1000);
  }
  await pool.destroy();
  return { mode: 'anchor', firstTaskMs, warmFirstTaskMs, pieces };
}

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  let result: ProbeResult;
  if (mode === 'anchor') result = await anchorProbe(dir);
  else if (mode === 'engine-threads') result = await engineProbe(mode, 'threads', dir, false);
  else if (mode === 'engine-processes') result = await engineProbe(mode, 'processes', dir, false);
  else if (mode === 'engine-threads-prewarmed') result = await engineProbe(mode, 'threads', dir, true);
  else throw new Error(`unknown probe mode ${mode}`);
  fs.writeSync(1, `${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`probe failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
