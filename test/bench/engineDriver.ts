// How the bench calls the engine under test: one place that knows its constructor, request shape and clock.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunHandlers, RunOutcome, RunRequest } from '../../src/core/api';
import { Engine } from '../../src/core/engine';
import type { RunEvent } from '../../src/shared/events';
import type { BackendKind, RunOptions, RunReport, TaskRecord } from '../../src/shared/report';

export const FIXTURES = path.resolve(process.cwd(), 'test/fixtures/bench');
export const DIST_DIR = path.resolve(process.cwd(), 'dist');

/** The part of the Engine the bench uses. */
export interface EngineUnderTest {
  run(request: RunRequest, handlers?: RunHandlers): Promise<RunOutcome>;
  prewarm(request: RunRequest): Promise<unknown>;
  dispose(): Promise<unknown> | unknown;
}

/** A fresh bundle cache folder, so a cold measurement really bundles. */
export function freshCacheDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pr-bench-${label}-`));
}

export async function createEngine(cacheDir: string): Promise<EngineUnderTest> {
  return new Engine({ distDir: DIST_DIR, cacheDir }) as unknown as EngineUnderTest;
}

/**
 * engine.dispose(), kept alive until it settles: the processes backend awaits the exit of children whose handles are
 * unref'd, so with nothing else pending Node would leave before dispose() resolves (and before our results are written).
 */
export async function disposeEngine(engine: EngineUnderTest, timeoutMs = 5000): Promise<'disposed' | 'timed out'> {
  const keepAlive = setInterval(() => undefined, 1000);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(engine.dispose()).then(() => 'disposed' as const),
      new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), timeoutMs))),
    ]);
  } finally {
    clearInterval(keepAlive);
    clearTimeout(timer);
  }
}

export function runOptions(backend: BackendKind, workers: number): RunOptions {
  return { backend, workers, compareWithSerial: false, warmupRuns: 0, repeats: 1, measureSeconds: 10, taskTimeoutSeconds: 0 };
}

/** Counts events the way a consumer (panel, status bar) would receive them, so their cost is part of the run. */
export function countingHandlers(): { handlers: RunHandlers; counts: Map<RunEvent['type'], number> } {
  const counts = new Map<RunEvent['type'], number>();
  return { counts, handlers: { onEvent: (event) => counts.set(event.type, (counts.get(event.type) ?? 0) + 1) } };
}

export function parallelTasks(report: RunReport): TaskRecord[] {
  return report.tasks.filter((t) => t.phase === 'parallel');
}

/** Sum of task durations of the parallel phase, ms: the time spent inside user code. */
export function parallelBusyMs(report: RunReport): number {
  let sum = 0;
  for (const t of parallelTasks(report)) if (t.startUs !== undefined && t.endUs !== undefined) sum += (t.endUs - t.startUs) / 1000;
  return sum;
}

/** Absolute monotonic µs (process.hrtime) of the earliest parallel task start, or undefined. */
export function firstStartAbsUs(report: RunReport): number | undefined {
  let first = Infinity;
  for (const t of report.tasks) if (t.startUs !== undefined && t.startUs < first) first = t.startUs;
  return Number.isFinite(first) ? report.clockOriginUs + first : undefined;
}

/** True when every parallel task has its own start and end, which chunked dispatch must keep. */
export function everyTaskTimed(report: RunReport, expected: number): boolean {
  const tasks = parallelTasks(report);
  return tasks.length === expected && tasks.every((t) => t.status === 'ok' && t.startUs !== undefined && t.endUs !== undefined && t.endUs >= t.startUs);
}
