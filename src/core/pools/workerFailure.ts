// Describes why a worker died under a batch, in words the user can act on.
import * as l10n from '@vscode/l10n';
import type { TaskError } from '../../shared/report';

export function describeWorkerFailure(thrown: unknown, memoryLimitMb: number | undefined): TaskError {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const message = memoryLimitMb
      ? l10n.t('The worker ran out of memory (the worker memory limit is {0} MB; raise workerMemoryLimitMb if the task needs more): {1}', memoryLimitMb, error.message)
      : l10n.t('The worker ran out of memory: {0}', error.message);
    return { code: 'out-of-memory', name: 'OutOfMemory', message };
  }
  const exit = /exited with code:? (-?\d+)/.exec(error.message);
  if (exit) {
    return {
      code: 'worker-exit',
      name: 'WorkerExit',
      message: l10n.t(
        'The worker thread exited with code {0} while running the task (did it call process.exit()?); the worker was replaced and the other tasks ran on. Return a value or throw an Error instead of exiting.',
        exit[1],
      ),
    };
  }
  return { code: 'worker-exit', name: error.name || 'Error', message: l10n.t('The worker stopped while running the task: {0}', error.message), stack: error.stack };
}
