// Comparison 2, CPU-bound speedup: 8 prime-counting tasks of ~150 ms on a pool as large as the cores, against serial.
import * as os from 'node:os';
import * as path from 'node:path';
import { log, REPETITIONS, runComparison, WARMUP_ROUNDS } from './child';
import { countingHandlers, createEngine, disposeEngine, FIXTURES, freshCacheDir, parallelBusyMs, runOptions, type EngineUnderTest } from './engineDriver';
import { startPeerPool, preloadPeer, WORKLOADS_FILE, type PeerPool, type TimedOutcome } from './peers/nodePools';
import { PythonPeer } from './peers/pythonPeer';
import type { SectionResult, TargetCheck } from './results';
import { fmt, fmtPctSample, fmtSample, rotation, summarize, type Sample } from './stats';
import type { RunRequest } from '../../src/core/api';
import type { BackendKind } from '../../src/shared/report';

const TASKS = 8;
const WORKERS = os.cpus().length;
const TASK_MS = 150;

type Mode = 'serial' | 'warm' | 'cold' | 'prewarmed';

interface Measurement {
  wallMs: number;
  /** Time spent inside the tasks, summed over tasks. */
  busyMs: number;
}

interface Variant {
  key: string;
  label: string;
  language: 'js' | 'python';
  mode: Mode;
  run(): Promise<Measurement>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const workloads = require(WORKLOADS_FILE) as { countPrimes(limit: number): number };

function calibrateJs(): number {
  let limit = 50_000;
  for (let i = 0; i < 3; i++) workloads.countPrimes(limit); // let the JIT settle first
  for (;;) {
    const start = performance.now();
    workloads.countPrimes(limit);
    const ms = performance.now() - start;
    if (ms > 40) {
      limit = Math.round((limit * TASK_MS) / ms);
      const again = performance.now();
      workloads.countPrimes(limit);
      return Math.round((limit * TASK_MS) / (performance.now() - again));
    }
    limit *= 2;
  }
}

async function main(): Promise<SectionResult> {
  const notes: string[] = [];
  const variants: Variant[] = [];
  const jsLimit = calibrateJs();
  log(`cpuBound: JS limit ${jsLimit} for ~${TASK_MS} ms`);

  variants.push({
    key: 'js-serial',
    label: 'JS serial (one thread, in process)',
    language: 'js',
    mode: 'serial',
    async run() {
      const start = performance.now();
      for (let i = 0; i < TASKS; i++) workloads.countPrimes(jsLimit);
      const wallMs = performance.now() - start;
      return { wallMs, busyMs: wallMs };
    },
  });

  const request = (): RunRequest => ({
    file: path.join(FIXTURES, 'primes.ts'),
    target: { name: 'countPrimes' },
    inputs: Array.from({ length: TASKS }, () => [jsLimit]),
    chunkSize: 1,
  });
  const engineRun = async (engine: EngineUnderTest, backend: BackendKind): Promise<Measurement> => {
    const { handlers } = countingHandlers();
    const start = performance.now();
    const outcome = await engine.run({ ...request(), options: runOptions(backend, WORKERS) }, handlers);
    const wallMs = performance.now() - start;
    if (outcome.results.length !== TASKS || outcome.results.some((r) => r !== outcome.results[0])) throw new Error('engine returned wrong results');
    return { wallMs, busyMs: parallelBusyMs(outcome.report) };
  };

  let warmEngine: EngineUnderTest | undefined;
  try {
    warmEngine = await createEngine(freshCacheDir('cpu'));
  } catch (error) {
    notes.push(`Engine not measured: ${(error as Error).message}`);
  }
  if (warmEngine) {
    const engine = warmEngine;
    for (const backend of ['threads', 'processes'] as BackendKind[]) {
      variants.push({ key: `engine-${backend}-warm`, label: `engine, ${backend}, warm`, language: 'js', mode: 'warm', run: () => engineRun(engine, backend) });
      variants.push({
        key: `engine-${backend}-cold`,
        label: `engine, ${backend}, cold (new Engine, empty bundle cache, no prewarm)`,
        language: 'js',
        mode: 'cold',
        async run() {
          const fresh = await createEngine(freshCacheDir('cpu-cold'));
          const measured = await engineRun(fresh, backend);
          await disposeEngine(fresh);
          return measured;
        },
      });
      variants.push({
        key: `engine-${backend}-prewarmed`,
        label: `engine, ${backend}, pre-warmed (new Engine, prewarm() done while "typing", then run)`,
        language: 'js',
        mode: 'prewarmed',
        async run() {
          const fresh = await createEngine(freshCacheDir('cpu-prewarm'));
          await fresh.prewarm({ ...request(), options: runOptions(backend, WORKERS) });
          const measured = await engineRun(fresh, backend);
          await disposeEngine(fresh);
          return measured;
        },
      });
    }
  }

  const timedPiscinaRun = async (pool: PeerPool): Promise<Measurement> => {
    const start = performance.now();
    const outcomes = (await Promise.all(Array.from({ length: TASKS }, () => pool.run('timedCountPrimes', jsLimit)))) as TimedOutcome[];
    const wallMs = performance.now() - start;
    return { wallMs, busyMs: outcomes.reduce((sum, o) => sum + (o.endUs - o.startUs) / 1000, 0) };
  };
  await preloadPeer('piscina');
  const warmPiscina = await startPeerPool('piscina', WORKERS);
  variants.push({ key: 'piscina-warm', label: 'raw piscina, warm', language: 'js', mode: 'warm', run: () => timedPiscinaRun(warmPiscina) });
  variants.push({
    key: 'piscina-cold',
    label: 'raw piscina, cold (new Piscina in the timed region; module already loaded)',
    language: 'js',
    mode: 'cold',
    async run() {
      const start = performance.now();
      const pool = await startPeerPool('piscina', WORKERS);
      const measured = await timedPiscinaRun(pool);
      const wallMs = performance.now() - start;
      await pool.destroy();
      return { wallMs, busyMs: measured.busyMs };
    },
  });

  const python = await PythonPeer.start();
  let pyLimit = 0;
  if (python.peer) {
    const peer = python.peer;
    pyLimit = (await peer.must({ op: 'calibrate', target_ms: TASK_MS })).limit as number;
    log(`cpuBound: Python limit ${pyLimit} for ~${TASK_MS} ms`);
    const measured = (reply: Record<string, unknown>): Measurement => ({ wallMs: reply.wall_ms as number, busyMs: reply.busy_ms as number });
    variants.push({
      key: 'python-serial',
      label: 'Python serial (in process)',
      language: 'python',
      mode: 'serial',
      run: async () => measured(await peer.must({ op: 'cpu_serial', limit: pyLimit, tasks: TASKS })),
    });
    variants.push({
      key: 'python-warm',
      label: `Python Pool(${WORKERS}).map, warm`,
      language: 'python',
      mode: 'warm',
      run: async () => measured(await peer.must({ op: 'cpu_pool', limit: pyLimit, tasks: TASKS, workers: WORKERS, cold: false })),
    });
    variants.push({
      key: 'python-cold',
      label: `Python Pool(${WORKERS}).map, cold (Pool() in the timed region)`,
      language: 'python',
      mode: 'cold',
      run: async () => measured(await peer.must({ op: 'cpu_pool', limit: pyLimit, tasks: TASKS, workers: WORKERS, cold: true })),
    });
    notes.push(`Python ${python.version} ('${python.startMethod}' start method), prime limit ${pyLimit}; JS prime limit ${jsLimit}: each calibrated to ~${TASK_MS} ms per task in its own language.`);
  } else {
    notes.push(`Python anchors NOT measured: ${python.missing}.`);
  }

  const runs = new Map<string, Measurement[]>(variants.map((v) => [v.key, []]));
  for (let round = 0; round < WARMUP_ROUNDS + REPETITIONS; round++) {
    const warm = round < WARMUP_ROUNDS;
    for (const variant of rotation(variants, round)) {
      const m = await variant.run();
      if (!warm) runs.get(variant.key)?.push(m);
    }
    log(`cpuBound ${warm ? 'warm-up' : `repetition ${round - WARMUP_ROUNDS + 1}/${REPETITIONS}`} done`);
  }
  await warmPiscina.destroy();
  await python.peer?.close();
  if (warmEngine) await disposeEngine(warmEngine);

  const serialOf = (language: 'js' | 'python') => runs.get(`${language}-serial`) ?? [];
  /** Per repetition: serial of the same repetition and language / this wall. */
  const speedup = (v: Variant): Sample => {
    const serial = serialOf(v.language);
    return summarize((runs.get(v.key) ?? []).map((m, i) => serial[i].wallMs / m.wallMs));
  };
  const efficiency = (v: Variant): Sample => summarize(speedup(v).values.map((s) => s / WORKERS));
  const busyEfficiency = (v: Variant): Sample => summarize((runs.get(v.key) ?? []).map((m) => m.busyMs / (WORKERS * m.wallMs)));
  const byKey = (key: string) => variants.find((v) => v.key === key);
  const eff = (key: string) => {
    const v = byKey(key);
    return v ? efficiency(v) : undefined;
  };

  const rows = variants.map((v) => [
    v.label,
    fmtSample(summarize((runs.get(v.key) ?? []).map((m) => m.wallMs)), 0),
    v.mode === 'serial' ? '1' : fmtSample(speedup(v), 2, '×'),
    v.mode === 'serial' ? '' : fmtPctSample(efficiency(v)),
    v.mode === 'serial' ? '' : fmtPctSample(busyEfficiency(v)),
  ]);

  const pctOf = (s: Sample | undefined) => (s && s.n ? `${fmt(s.median * 100)} %` : 'n/a');
  const targets: TargetCheck[] = [];
  const warmAnchor = `piscina ${pctOf(eff('piscina-warm'))}` + (python.peer ? `, Python Pool ${pctOf(eff('python-warm'))}` : ', Python not measured');
  const coldAnchor = (python.peer ? `Python Pool ${pctOf(eff('python-cold'))}, ` : 'Python not measured, ') + `piscina ${pctOf(eff('piscina-cold'))}`;
  if (warmEngine) {
    const threadsWarm = eff('engine-threads-warm');
    targets.push({
      what: 'CPU-bound efficiency, warm',
      anchor: warmAnchor,
      target: '≥ 95 %',
      measured: `threads ${pctOf(threadsWarm)}, processes ${pctOf(eff('engine-processes-warm'))}`,
      met: (threadsWarm?.median ?? 0) >= 0.95,
    });
    const prewarmed = eff('engine-threads-prewarmed');
    targets.push({
      what: 'CPU-bound efficiency, pool start included, ~1 s batch',
      anchor: coldAnchor,
      target: '≥ 92 %',
      measured: `pre-warmed: threads ${pctOf(prewarmed)}, processes ${pctOf(eff('engine-processes-prewarmed'))}; without prewarm: threads ${pctOf(eff('engine-threads-cold'))}, processes ${pctOf(eff('engine-processes-cold'))}`,
      met: (prewarmed?.median ?? 0) >= 0.92,
    });
  } else {
    targets.push({ what: 'CPU-bound efficiency, warm', anchor: warmAnchor, target: '≥ 95 %', measured: 'engine not available', met: undefined });
    targets.push({ what: 'CPU-bound efficiency, pool start included, ~1 s batch', anchor: coldAnchor, target: '≥ 92 %', measured: 'engine not available', met: undefined });
  }

  return {
    id: 'cpuBound',
    title: `2. CPU-bound speedup: ${TASKS} tasks of ~${TASK_MS} ms on ${WORKERS} workers`,
    method: [
      `Trial-division prime counting, the same code in JS and Python, each calibrated to ~${TASK_MS} ms per task; the serial run is in the same language and the same repetition.`,
      'Speedup = serial wall / parallel wall; efficiency = speedup / workers; busy efficiency = time inside tasks / (workers × wall).',
      'Cold variants create the pool (and, for the engine, a new Engine with an empty bundle cache) inside the timed region; "pre-warmed" calls engine.prewarm() first, as the extension does while the user types the inputs.',
    ],
    tables: [{ caption: 'wall time, speedup and efficiency', columns: ['variant', 'wall ms', 'speedup', 'efficiency', 'busy efficiency'], rows }],
    targets,
    notes,
    raw: { jsLimit, pyLimit, runs: Object.fromEntries(runs) },
  };
}

runComparison(main);
