// Comparison 7, Python targets: dispatch cost per tiny task and CPU-bound walls of the engine's Python pool (a driver over
// multiprocessing.Pool, spawn) against raw multiprocessing.Pool.map with the same start method, in the same run.
import * as path from 'node:path';
import { log, REPETITIONS, runComparison, WARMUP_ROUNDS } from './child';
import { createEngine, disposeEngine, everyTaskTimed, FIXTURES, freshCacheDir, runOptions, type EngineUnderTest } from './engineDriver';
import { PythonPeer } from './peers/pythonPeer';
import type { SectionResult, TargetCheck } from './results';
import { fmt, fmtSample, rotation, summarize } from './stats';
import type { RunRequest } from '../../src/core/api';

const TINY_TASKS = 2000;
const WORKERS = 2;
const CPU_TASKS = 4;
const CPU_TARGET_MS = 150;
const FILE = path.join(FIXTURES, 'py_workloads.py');

interface Variant {
  key: string;
  label: string;
  /** µs per task for the dispatch variants, ms of wall for the CPU ones. */
  run(): Promise<number>;
}

async function main(): Promise<SectionResult> {
  const notes: string[] = [];
  const python = await PythonPeer.start();
  if (!python.peer) {
    return {
      id: 'python',
      title: '7. Python targets against multiprocessing.Pool',
      method: [],
      tables: [],
      targets: [{ what: 'Python dispatch and CPU-bound', anchor: '—', target: '—', measured: `not measured: ${python.missing}`, met: undefined }],
      notes: [],
      raw: {},
    };
  }
  const peer = python.peer;
  const limit = Number((await peer.must({ op: 'calibrate', target_ms: CPU_TARGET_MS })).limit);
  const engine = await createEngine(freshCacheDir('python'));
  const tiny: RunRequest = { file: FILE, target: { name: 'identity' }, inputs: Array.from({ length: TINY_TASKS }, (_, i) => [i]), options: runOptions('processes', WORKERS) };
  const cpu: RunRequest = { file: FILE, target: { name: 'count_primes' }, inputs: Array.from({ length: CPU_TASKS }, () => [limit]), options: runOptions('processes', WORKERS), chunkSize: 1 };

  /** The parallel phase's wall (dispatch and tasks, as Pool.map's wall), after checking every task kept its own record. */
  const enginePhaseMs = async (target: EngineUnderTest, request: RunRequest, tasks: number): Promise<number> => {
    const { report } = await target.run(request);
    if (!everyTaskTimed(report, tasks)) throw new Error(`engine run without a record per task: ${report.status} ${report.failure ?? ''}`);
    return report.phases.find((phase) => phase.phase === 'parallel')!.wallMs;
  };
  const variants: Variant[] = [
    { key: 'engine-c1', label: 'engine, processes, chunkSize 1 (µs/task)', run: async () => ((await enginePhaseMs(engine, { ...tiny, chunkSize: 1 }, TINY_TASKS)) * 1000) / TINY_TASKS },
    { key: 'engine-auto', label: "engine, processes, chunkSize 'auto' (batched; µs/task)", run: async () => ((await enginePhaseMs(engine, { ...tiny, chunkSize: 'auto' }, TINY_TASKS)) * 1000) / TINY_TASKS },
    { key: 'raw-c1', label: 'raw Pool(2).map, spawn, chunksize=1 (µs/task)', run: async () => ((await peer.must({ op: 'spawn_dispatch', n: TINY_TASKS, workers: WORKERS, chunksize: 1 })).wall_ms as number) * 1000 / TINY_TASKS },
    { key: 'raw-default', label: 'raw Pool(2).map, spawn, default chunksize (µs/task)', run: async () => ((await peer.must({ op: 'spawn_dispatch', n: TINY_TASKS, workers: WORKERS, chunksize: null })).wall_ms as number) * 1000 / TINY_TASKS },
    { key: 'engine-cpu-warm', label: `engine, processes, ${CPU_TASKS} × count_primes on ${WORKERS} workers, warm (ms)`, run: () => enginePhaseMs(engine, cpu, CPU_TASKS) },
    {
      key: 'engine-cpu-cold',
      label: `engine, processes, ${CPU_TASKS} × count_primes, cold: new Engine, whole run (ms)`,
      async run() {
        const fresh = await createEngine(freshCacheDir('python-cold'));
        const start = performance.now();
        const { report } = await fresh.run(cpu);
        const wall = performance.now() - start;
        if (!everyTaskTimed(report, CPU_TASKS)) throw new Error('cold engine run failed');
        await disposeEngine(fresh);
        return wall;
      },
    },
    { key: 'raw-cpu-warm', label: `raw Pool(2).map(count_primes), spawn, warm (ms)`, run: async () => (await peer.must({ op: 'spawn_cpu', limit, tasks: CPU_TASKS, workers: WORKERS })).wall_ms as number },
    { key: 'raw-cpu-cold', label: `raw Pool(2).map(count_primes), spawn, cold: Pool() in the timed region (ms)`, run: async () => (await peer.must({ op: 'spawn_cpu', limit, tasks: CPU_TASKS, workers: WORKERS, cold: true })).wall_ms as number },
  ];
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.key, []]));
  for (let round = 0; round < WARMUP_ROUNDS + REPETITIONS; round++) {
    const warm = round < WARMUP_ROUNDS;
    for (const variant of rotation(variants, round)) {
      const value = await variant.run();
      if (!warm) samples.get(variant.key)?.push(value);
    }
    log(`python ${warm ? 'warm-up' : `repetition ${round - WARMUP_ROUNDS + 1}/${REPETITIONS}`} done`);
  }
  await disposeEngine(engine);
  await peer.close();

  const median = (key: string) => summarize(samples.get(key) ?? []).median;
  const ratio = (a: string, b: string) => median(a) / median(b);
  const rows = variants.map((variant) => [variant.label, fmtSample(summarize(samples.get(variant.key) ?? []), 1)]);
  const targets: TargetCheck[] = [
    {
      what: 'Python dispatch per tiny task, chunkSize 1, full per-task records',
      anchor: `raw Pool.map chunksize=1: ${fmt(median('raw-c1'), 1)} µs/task`,
      target: '≤ 1.3× raw',
      measured: `${fmt(median('engine-c1'), 1)} µs/task (${fmt(ratio('engine-c1', 'raw-c1'), 2)}×)`,
      met: ratio('engine-c1', 'raw-c1') <= 1.3,
    },
    {
      what: 'Python dispatch per tiny task, batched',
      anchor: `raw Pool.map default chunksize: ${fmt(median('raw-default'), 1)} µs/task`,
      target: '≤ 2× raw',
      measured: `${fmt(median('engine-auto'), 1)} µs/task (${fmt(ratio('engine-auto', 'raw-default'), 1)}×)`,
      met: ratio('engine-auto', 'raw-default') <= 2,
    },
    {
      what: 'Python CPU-bound on processes, warm and cold',
      anchor: `raw Pool: warm ${fmt(median('raw-cpu-warm'), 0)} ms, cold ${fmt(median('raw-cpu-cold'), 0)} ms`,
      target: 'report (no target in the issue)',
      measured: `engine warm ${fmt(median('engine-cpu-warm'), 0)} ms (${fmt(ratio('engine-cpu-warm', 'raw-cpu-warm'), 2)}×), cold ${fmt(median('engine-cpu-cold'), 0)} ms (${fmt(ratio('engine-cpu-cold', 'raw-cpu-cold'), 2)}×)`,
      met: undefined,
    },
  ];
  notes.push(
    `Python ${python.version}; both sides use the spawn start method. count_primes(${limit}) takes about ${CPU_TARGET_MS} ms here.`,
    "The engine keeps at most one batch per worker in flight (every task's start is announced and its record kept), so at chunkSize 1 each task pays a host ↔ driver ↔ worker round trip, where Pool.map queues every task at once.",
  );
  return {
    id: 'python',
    title: '7. Python targets against multiprocessing.Pool',
    method: [
      `${TINY_TASKS} tasks returning their argument on ${WORKERS} workers: the engine's parallel phase wall ÷ tasks against raw Pool.map's wall ÷ tasks, same run, interleaved.`,
      `${CPU_TASKS} CPU-bound tasks on ${WORKERS} workers: the engine's parallel phase (warm) or whole run with a new Engine (cold) against Pool.map on a warm pool or a Pool created in the timed region.`,
    ],
    tables: [{ caption: 'median (spread) per variant', columns: ['variant', 'value'], rows }],
    targets,
    notes,
    raw: Object.fromEntries(samples),
  };
}

runComparison(main);
