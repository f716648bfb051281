// What tasks left running, in a warning the engine adds to the report when a run ends.
import type { BackendKind, RunWarning } from '../../shared/report';
import type { LeftoverProcess } from '../../shared/workerProtocol';

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
