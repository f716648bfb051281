// Comparison 1, dispatch cost: 10,000 tasks that return their argument on 2 workers, engine against raw pools and Python.
import { log, nowUs, REPETITIONS, runComparison, WARMUP_ROUNDS } from './child';
import { countingHandlers, createEngine, DIST_DIR as DIST, disposeEngine, everyTaskTimed, FIXTURES, freshCacheDir, runOptions, type EngineUnderTest } from './engineDriver';
import { PythonPeer } from './peers/pythonPeer';
import { startPeerPool, type PeerName, type PeerPool } from './peers/nodePools';
import type { SectionResult, TargetCheck } from './results';
import { fmt, fmtSample, pairedRatio, rotation, summarize, type Sample } from './stats';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundleTarget } from '../../src/core/bundle';
import { locateTarget } from '../../src/core/locate';
import { dispatchTasks, type WorkerPool } from '../../src/core/pools';
import type { BackendKind } from '../../src/shared/report';
import type { ModuleSpec } from '../../src/shared/workerProtocol';
import type { WorkerPieceResult } from './workerPiece';

const TASKS = 10_000;
const WORKERS = 2;

interface Variant {
  key: string;
  label: string;
  /** Returns the wall time in ms of running all tasks, results in hand. */
  run(): Promise<number>;
  /** Facts checked on the last run (records complete, chunking…). */
  facts: string[];
}

/** A pool that answers every batch at once, so dispatchTasks' own bookkeeping per task is all that is timed. */
function instantPool(distDir: string): WorkerPool {
  return {
    config: { backend: 'threads', workers: WORKERS, distDir },
    send(batch, control) {
      control.onDispatched();
      const now = nowUs();
      const outcomes = batch.tasks.map((t) => ({ index: t.index, pid: process.pid, threadId: 1, startUs: now, endUs: now, ok: true, value: t.args[0], logs: [], logsTruncated: false }));
      return Promise.resolve({ kind: 'done', outcomes });
    },
    preload: () => Promise.resolve({ kind: 'done', outcomes: [] }),
    whenReady: () => Promise.resolve(),
    destroy: () => Promise.resolve(),
  };
}

/** The engine's per-task costs measured apart: the worker's runner, cloning its outcomes, and the host's dispatch loop. */
async function measurePieces(): Promise<string[][]> {
  const file = path.join(FIXTURES, 'identity.ts');
  const target = await locateTarget(fs.readFileSync(file, 'utf8'), file, { name: 'identity' });
  const bundle = await bundleTarget({ file, target, cacheDir: freshCacheDir('pieces') });
  const module: ModuleSpec = { bundlePath: bundle.bundlePath, hash: bundle.hash };
  const worker = await new Promise<WorkerPieceResult>((resolve, reject) => {
    const thread = new Worker(path.join(__dirname, 'workerPiece.js'), { workerData: { module, tasks: TASKS, repetitions: REPETITIONS } });
    thread.once('message', (m: WorkerPieceResult) => void thread.terminate().then(() => resolve(m)));
    thread.once('error', reject);
  });
  const rows: string[][] = [
    ['worker: runWorkerBatch over one 10,000-task chunk (capture, clock, start board, clone check)', fmtSample(summarize(worker.runnerUs), 2), 'src/worker/taskRunner.ts runWorkerBatch'],
    ['structuredClone of those 10,000 outcomes (one side of posting them back)', fmtSample(summarize(worker.cloneUs), 2), 'TaskOutcome shape (src/shared/workerProtocol.ts)'],
  ];
  const tasks = Array.from({ length: TASKS }, (_, index) => ({ index, args: [index] }));
  for (const chunkSize of [1, 'auto'] as const) {
    const us: number[] = [];
    for (let rep = 0; rep <= REPETITIONS; rep++) {
      const start = performance.now();
      await dispatchTasks({ pool: instantPool(DIST), module, tasks, chunkSize, maxLogChars: 65536, phaseKey: `pieces.${rep}`, taskTimeoutMs: 0, now: nowUs, onTaskDone: () => undefined });
      if (rep > 0) us.push(((performance.now() - start) * 1000) / TASKS);
    }
    rows.push([`host: dispatchTasks with a pool that answers at once, chunkSize ${chunkSize}`, fmtSample(summarize(us), 2), 'src/core/pools/taskDispatch.ts dispatchTasks']);
  }
  return rows;
}

async function main(): Promise<SectionResult> {
  const notes: string[] = [];
  const variants: Variant[] = [];
  const args = Array.from({ length: TASKS }, (_, i) => i);
  const inputs = args.map((i) => [i]);
  const expectedSum = (TASKS * (TASKS - 1)) / 2;

  /** Per variant and repetition: the engine's own parallel-phase wall time, to split fixed from per-task cost. */
  const phaseWalls = new Map<string, number[]>();
  let engine: EngineUnderTest | undefined;
  try {
    engine = await createEngine(freshCacheDir('dispatch'));
  } catch (error) {
    notes.push(`Engine not measured: ${(error as Error).message}`);
  }
  if (engine) {
    const e = engine;
    const engineVariant = (backend: BackendKind, chunkSize: number | 'auto', taskCount = TASKS): Variant => {
      const facts: string[] = [];
      const key = `engine-${backend}-${chunkSize}${taskCount === TASKS ? '' : `-${taskCount}`}`;
      const runInputs = inputs.slice(0, taskCount);
      const runSum = (taskCount * (taskCount - 1)) / 2;
      phaseWalls.set(key, []);
      return {
        key,
        label: `engine, ${backend}, ${chunkSize === 'auto' ? "chunkSize 'auto'" : `chunkSize ${chunkSize}`}${taskCount === TASKS ? '' : `, only ${taskCount} tasks (fixed cost per run)`}`,
        facts,
        async run() {
          const { handlers, counts } = countingHandlers();
          const start = performance.now();
          const outcome = await e.run(
            { file: path.join(FIXTURES, 'identity.ts'), target: { name: 'identity' }, inputs: runInputs, options: runOptions(backend, WORKERS), chunkSize },
            handlers,
          );
          const wall = performance.now() - start;
          const sum = outcome.results.reduce((a: number, b) => a + (b as number), 0);
          if (sum !== runSum) throw new Error(`engine ${backend} returned wrong results (sum ${sum})`);
          const phase = outcome.report.phases.find((p) => p.phase === 'parallel');
          phaseWalls.get(key)?.push(phase?.wallMs ?? NaN);
          facts.length = 0;
          facts.push(everyTaskTimed(outcome.report, taskCount) ? `${taskCount} task records, each with its own start and end` : 'task records INCOMPLETE');
          facts.push(`${counts.get('task-finished') ?? 0} task-finished events`);
          return wall;
        },
      };
    };
    variants.push(
      engineVariant('threads', 1),
      engineVariant('processes', 1),
      engineVariant('threads', 'auto'),
      engineVariant('processes', 'auto'),
      engineVariant('threads', 1, 2),
      engineVariant('processes', 1, 2),
    );
  }

  const pools: PeerPool[] = [];
  for (const name of ['piscina', 'tinypool', 'workerpool'] as PeerName[]) {
    const pool = await startPeerPool(name, WORKERS);
    pools.push(pool);
    variants.push({
      key: name,
      label: `raw ${name}`,
      facts: [],
      async run() {
        const start = performance.now();
        const results = await Promise.all(args.map((i) => pool.run('identity', i)));
        const wall = performance.now() - start;
        if ((results as number[]).reduce((a, b) => a + b, 0) !== expectedSum) throw new Error(`${name} returned wrong results`);
        return wall;
      },
    });
  }

  const python = await PythonPeer.start();
  if (python.peer) {
    const peer = python.peer;
    for (const [variant, label] of [
      ['pool_map_c1', 'Python Pool(2).map, chunksize=1'],
      ['pool_map_default', 'Python Pool(2).map, default chunksize'],
      ['ppe_map', 'Python ProcessPoolExecutor(2).map'],
    ]) {
      variants.push({
        key: `python-${variant}`,
        label,
        facts: variant === 'pool_map_default' ? [`chunksize = ceil(10000 / (2 × 4)) = 1250`] : [],
        async run() {
          const reply = await peer.must({ op: 'dispatch', variant, n: TASKS, workers: WORKERS });
          return reply.wall_ms as number;
        },
      });
    }
    notes.push(`Python ${python.version}, start method '${python.startMethod}'; Python's timing is taken inside Python (time.perf_counter) around the map call.`);
  } else {
    notes.push(`Python anchors NOT measured: ${python.missing}.`);
  }

  const walls = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  for (let round = 0; round < WARMUP_ROUNDS + REPETITIONS; round++) {
    const warm = round < WARMUP_ROUNDS;
    for (const variant of rotation(variants, round)) {
      const ms = await variant.run();
      if (!warm) walls.get(variant.key)?.push(ms);
    }
    log(`dispatch ${warm ? 'warm-up' : `repetition ${round - WARMUP_ROUNDS + 1}/${REPETITIONS}`} done`);
  }
  let pieceRows: string[][] = [];
  if (engine) {
    try {
      pieceRows = await measurePieces();
    } catch (error) {
      notes.push(`The per-task pieces could not be measured: ${(error as Error).message}`);
    }
  }
  await Promise.all(pools.map((p) => p.destroy()));
  await python.peer?.close();
  if (engine) await disposeEngine(engine);

  const usPerTask = (key: string): Sample => summarize((walls.get(key) ?? []).map((ms) => (ms * 1000) / TASKS));
  const piscina = walls.get('piscina') ?? [];
  const fullRuns = variants.filter((v) => !v.key.endsWith('-2'));
  const rows = fullRuns.map((v) => [
    v.label,
    fmtSample(usPerTask(v.key), 1),
    fmtSample(summarize(walls.get(v.key) ?? []), 0),
    fmtSample(pairedRatio(walls.get(v.key) ?? [], piscina), 2, '×'),
    v.facts.join('; '),
  ]);
  // Where the engine's time goes: the fixed cost of any run (2 tasks), and the parallel phase alone (its own clock).
  const splitRows: string[][] = [];
  for (const backend of ['threads', 'processes']) {
    const fixed = summarize(walls.get(`engine-${backend}-1-2`) ?? []);
    for (const chunk of ['1', 'auto']) {
      const key = `engine-${backend}-${chunk}`;
      if (!walls.has(key)) continue;
      const whole = summarize(walls.get(key) ?? []);
      const phase = summarize(phaseWalls.get(key) ?? []);
      splitRows.push([
        `${backend}, chunkSize ${chunk}`,
        fmtSample(whole, 0),
        fmtSample(fixed, 1),
        fmtSample(phase, 0),
        fmt((phase.median * 1000) / TASKS, 1),
        fmt(((whole.median - phase.median - fixed.median) * 1000) / TASKS, 1),
      ]);
    }
  }

  const anchor = `raw piscina ${fmt(usPerTask('piscina').median)} µs` + (python.peer ? `, Python Pool.map chunksize 1 ${fmt(usPerTask('python-pool_map_c1').median)} µs` : ', Python not measured');
  const targets: TargetCheck[] = [];
  if (engine) {
    const threadsRatio = pairedRatio(walls.get('engine-threads-1') ?? [], piscina);
    const processesRatio = pairedRatio(walls.get('engine-processes-1') ?? [], piscina);
    targets.push({
      what: 'µs per tiny task, full per-task records (threads)',
      anchor,
      target: '≤ 1.3 × raw piscina',
      measured: `${fmt(threadsRatio.median, 2)}× (${fmt(usPerTask('engine-threads-1').median)} µs); processes ${fmt(processesRatio.median, 2)}×`,
      met: threadsRatio.median <= 1.3,
    });
    const chunked = usPerTask('engine-threads-auto');
    const chunkedProcesses = usPerTask('engine-processes-auto');
    const timedAll = variants.find((v) => v.key === 'engine-threads-auto')?.facts[0]?.startsWith(String(TASKS)) ?? false;
    targets.push({
      what: 'µs per tiny task, batched into chunks, every task keeps its own start and end',
      anchor: python.peer ? `Python Pool.map default chunksize ${fmt(usPerTask('python-pool_map_default').median)} µs` : 'Python not measured',
      target: '≤ 5 µs per task',
      measured: `threads ${fmt(chunked.median)} µs, processes ${fmt(chunkedProcesses.median)} µs${timedAll ? '' : ' (records incomplete)'}`,
      met: chunked.median <= 5 && timedAll,
    });
  } else {
    targets.push({ what: 'µs per tiny task', anchor, target: '≤ 1.3 × raw piscina; ≤ 5 µs chunked', measured: 'engine not available', met: undefined });
  }

  return {
    id: 'dispatch',
    title: '1. Dispatch cost: 10,000 tasks returning their argument, 2 workers',
    method: [
      'All pools are started and warmed (one full warm-up round) before timing; variants run interleaved, in a rotated order each repetition.',
      'Time is from submitting the first task to holding all 10,000 results; for the engine it is the whole `engine.run()` call (bundle cache hit, warm pool, report built, every event delivered to a listener).',
      "Ratios to raw piscina are taken per repetition, then the median and range of those ratios are shown.",
    ],
    tables: [
      { caption: 'µs per task and wall time (median, min–max)', columns: ['variant', 'µs per task', 'wall ms', '÷ raw piscina', 'checked'], rows },
      ...(splitRows.length
        ? [
            {
              caption: "where the engine's time goes (ms; a 2-task run gives the fixed cost of any run)",
              columns: ['engine', 'run() for 10,000 tasks', 'run() for 2 tasks', 'parallel phase (engine clock)', 'µs per task inside the phase', 'µs per task outside the phase, beyond the fixed cost (previews, report, events)'],
              rows: splitRows,
            },
          ]
        : []),
      ...(pieceRows.length
        ? [{ caption: 'per-task pieces of the engine, measured apart (µs per task)', columns: ['piece', 'µs per task', 'where'], rows: pieceRows }]
        : []),
    ],
    targets,
    notes,
    raw: { walls: Object.fromEntries(walls), phaseWalls: Object.fromEntries(phaseWalls) },
  };
}

runComparison(main);
