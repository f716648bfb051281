// What the engine asks of the pool layer around a run: how many workers to start, and what tasks left running.
import type { BackendKind, RunWarning } from '../../shared/report';
import type { LeftoverProcess } from '../../shared/workerProtocol';

/**
 * Workers per core above which more only add memory and switching: tasks that wait (I/O, timers) can use a few per core,
 * CPU-bound ones gain nothing past one. With MIN_WORKER_CAP, small machines still allow the sample's 5 and a little more.
 */
export const WORKERS_PER_CORE_CAP = 8;
export const MIN_WORKER_CAP = 16;

export function workerCap(cores: number): number {
  return Math.max(MIN_WORKER_CAP, WORKERS_PER_CORE_CAP * Math.max(1, Math.floor(cores)));
}

/**
 * The workers to start: at most the cap, and never more than there are tasks (a worker without a task only costs memory).
 * The warning explains the cap when it applied; fewer tasks than workers has its own warning ('few-tasks').
 */
export function workersToStart(requested: number, tasks: number, cores: number): { workers: number; warning?: RunWarning } {
  const cap = workerCap(cores);
  const capped = Math.min(requested, cap);
  const workers = Math.max(1, Math.min(capped, tasks));
  if (requested <= cap) return { workers };
  return {
    workers,
    warning: {
      code: 'workers-capped',
      message:
        `${requested.toLocaleString('en-US')} workers were asked for; at most ${cap} start on this ${cores}-core machine ` +
        `(${WORKERS_PER_CORE_CAP} per core, at least ${MIN_WORKER_CAP}): more would only add memory and task switching, not speed.`,
    },
  };
}

/** A warning naming the processes tasks left running, or undefined when there were none. */
export function leftoverProcessesWarning(
  tasks: Iterable<{ index: number; leftoverProcesses?: LeftoverProcess[] }>,
  backend: BackendKind,
  endedAtRunEnd: readonly LeftoverProcess[] = [],
): RunWarning | undefined {
  const named: string[] = [];
  const indexes: number[] = [];
  for (const task of tasks) {
    if (!task.leftoverProcesses) continue;
    indexes.push(task.index);
    for (const leftover of task.leftoverProcesses) named.push(`PID ${leftover.pid} (${leftover.command || 'gone'})`);
  }
  for (const leftover of endedAtRunEnd) if (!named.some((text) => text.startsWith(`PID ${leftover.pid} `))) named.push(`PID ${leftover.pid} (${leftover.command})`);
  if (named.length === 0) return undefined;
  const shown = named.length > 5 ? `${named.slice(0, 5).join(', ')} and ${named.length - 5} more` : named.join(', ');
  const who = indexes.length === 0 ? 'Tasks' : indexes.length === 1 ? `Task ${indexes[0]}` : `Tasks ${indexes.slice(0, 5).join(', ')}${indexes.length > 5 ? ', …' : ''}`;
  const what = `${who} left ${named.length === 1 ? 'a process' : `${named.length} processes`} running: ${shown}.`;
  const advice =
    backend === 'threads'
      ? ' On the threads backend they are children of the host itself, so they keep running after the run: end them before the task returns (child.kill()), or run on the processes backend, which ends them with the run.'
      : ' They were ended when the run finished (each worker process and what it starts share a process group); end them before the task returns if the task needs them gone sooner.';
  return { code: 'leftover-processes', message: what + advice };
}
