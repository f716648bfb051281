// Run options: defaults, validation, and the caps a run applies to what was asked.
import * as os from 'node:os';
import * as l10n from '@vscode/l10n';
import type { RunOptions, RunWarning } from '../../shared/report';
import { MAX_TASK_TIMEOUT_SECONDS } from '../../shared/limits';
import { UserError } from '../api';

/** Time budget for repeating serial/parallel pairs until the speedup's interval is within ±5 %. */
export const DEFAULT_MEASURE_SECONDS = 10;
/** Longest budget a run may be given: an hour of repeating pairs is already more than any interval needs. */
const MAX_MEASURE_SECONDS = 3600;

/**
 * Workers beyond this many per core only add threads or processes that wait for a CPU (or, for tasks that sleep, memory:
 * each worker is a V8 isolate of 10 MB or more), and a repository's settings could otherwise ask for thousands.
 */
export const MAX_WORKERS_PER_CORE = 8;
/** A small machine still gets enough workers for tasks that mostly wait. */
const MIN_WORKER_CAP = 16;

export function workerCap(cores = os.availableParallelism()): number {
  return Math.max(MIN_WORKER_CAP, MAX_WORKERS_PER_CORE * cores);
}

export function positiveInteger(value: number, name: string, minimum: number): number {
  if (!Number.isInteger(value) || value < minimum) throw new UserError(l10n.t('{0} must be a whole number ≥ {1} (got {2}).', name, minimum, String(value)));
  return value;
}

/** Fills in defaults and rejects settings a run cannot use. */
export function resolveRunOptions(partial: Partial<RunOptions> = {}): RunOptions {
  const backend = partial.backend ?? 'threads';
  if (backend !== 'threads' && backend !== 'processes') throw new UserError(l10n.t('backend must be "threads" or "processes" (got {0}).', String(backend)));
  const options: RunOptions = {
    backend,
    workers: positiveInteger(partial.workers ?? os.availableParallelism(), 'workers', 1),
    compareWithSerial: partial.compareWithSerial ?? true,
    warmupRuns: positiveInteger(partial.warmupRuns ?? 0, 'warmupRuns', 0),
    // The engine runs one pair unless asked; the faces (CLI, settings) ask for 0, as many pairs as the interval needs.
    repeats: positiveInteger(partial.repeats ?? 1, 'repeats', 0),
    taskTimeoutSeconds: partial.taskTimeoutSeconds ?? 0,
    measureSeconds: partial.measureSeconds ?? DEFAULT_MEASURE_SECONDS,
  };
  if (!(options.taskTimeoutSeconds >= 0 && options.taskTimeoutSeconds <= MAX_TASK_TIMEOUT_SECONDS)) {
    // Node clamps a timer above 2³¹−1 ms to 1 ms: a bigger limit would time every task out at once.
    throw new UserError(l10n.t('taskTimeoutSeconds must be from 0 (none) to {0} (got {1}).', MAX_TASK_TIMEOUT_SECONDS, String(options.taskTimeoutSeconds)));
  }
  if (!(options.measureSeconds > 0 && options.measureSeconds <= MAX_MEASURE_SECONDS)) {
    throw new UserError(l10n.t('measureSeconds must be more than 0 and at most {0} (got {1}).', MAX_MEASURE_SECONDS, String(options.measureSeconds)));
  }
  if (partial.workerMemoryLimitMb !== undefined) options.workerMemoryLimitMb = positiveInteger(partial.workerMemoryLimitMb, 'workerMemoryLimitMb', 16);
  return options;
}

/**
 * The workers a pool of this run really starts: no more than the cap, and no more than there are tasks (2 tasks on
 * 1,000 workers start 2). The warning says why when the cap, not the task count, lowered the number.
 */
export function workersToStart(asked: number, tasks: number, cores = os.availableParallelism()): { workers: number; warning?: RunWarning } {
  const cap = workerCap(cores);
  const capped = Math.min(asked, cap);
  const workers = Math.max(1, Math.min(capped, tasks));
  if (capped < asked && tasks > cap) {
    return {
      workers,
      warning: {
        code: 'workers-capped',
        message: l10n.t(
          '{0} workers were asked for; {1} started (at most {2} per core on {3} cores, or {4}): more would only wait for a CPU or use memory. Tasks that mostly sleep or wait on I/O are better served by async code in fewer workers.',
          asked,
          cap,
          MAX_WORKERS_PER_CORE,
          cores,
          MIN_WORKER_CAP,
        ),
      },
    };
  }
  return { workers };
}
