// What tasks left running, in a warning the engine adds to the report when a run ends.
import * as l10n from '@vscode/l10n';
import type { BackendKind, RunWarning } from '../../shared/report';
import type { LeftoverProcess } from '../../shared/workerProtocol';

/** A warning naming the processes tasks left running, or undefined when there were none. */
export function leftoverProcessesWarning(
  tasks: Iterable<{ index: number; leftoverProcesses?: LeftoverProcess[] }>,
  backend: BackendKind,
  endedAtRunEnd: readonly LeftoverProcess[] = [],
): RunWarning | undefined {
  const named: { pid: number; command: string }[] = [];
  const indexes: number[] = [];
  for (const task of tasks) {
    if (!task.leftoverProcesses) continue;
    indexes.push(task.index);
    for (const leftover of task.leftoverProcesses) named.push({ pid: leftover.pid, command: leftover.command || l10n.t('gone') });
  }
  for (const leftover of endedAtRunEnd) if (!named.some((process) => process.pid === leftover.pid)) named.push({ pid: leftover.pid, command: leftover.command });
  if (named.length === 0) return undefined;
  const names = named.map((process) => l10n.t('PID {0} ({1})', process.pid, process.command));
  const shown = names.length > 5 ? l10n.t('{0} and {1} more', names.slice(0, 5).join(', '), names.length - 5) : names.join(', ');
  const taskList = `${indexes.slice(0, 5).join(', ')}${indexes.length > 5 ? ', …' : ''}`;
  let what: string;
  if (named.length === 1) what = indexes.length === 0 ? l10n.t('Tasks left a process running: {0}.', shown) : indexes.length === 1 ? l10n.t('Task {0} left a process running: {1}.', indexes[0], shown) : l10n.t('Tasks {0} left a process running: {1}.', taskList, shown);
  else if (indexes.length === 0) what = l10n.t('Tasks left {0} processes running: {1}.', named.length, shown);
  else if (indexes.length === 1) what = l10n.t('Task {0} left {1} processes running: {2}.', indexes[0], named.length, shown);
  else what = l10n.t('Tasks {0} left {1} processes running: {2}.', taskList, named.length, shown);
  const advice =
    backend === 'threads'
      ? l10n.t('On the threads backend they are children of the host itself, so they keep running after the run: end them before the task returns (child.kill()), or run on the processes backend, which ends them with the run.')
      : l10n.t('They were ended when the run finished (each worker process and what it starts share a process group); end them before the task returns if the task needs them gone sooner.');
  return { code: 'leftover-processes', message: `${what} ${advice}` };
}
