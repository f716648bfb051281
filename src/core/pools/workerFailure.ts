// Describes why a worker died under a batch, in words the user can act on.
import type { TaskError } from '../../shared/report';

export function describeWorkerFailure(thrown: unknown, memoryLimitMb: number | undefined): TaskError {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const limit = memoryLimitMb ? ` (the worker memory limit is ${memoryLimitMb} MB; raise workerMemoryLimitMb if the task needs more)` : '';
    return { code: 'out-of-memory', name: 'OutOfMemory', message: `The worker ran out of memory${limit}: ${error.message}` };
  }
  const exit = /exited with code:? (-?\d+)/.exec(error.message);
  if (exit) {
    return {
      code: 'worker-exit',
      name: 'WorkerExit',
      message:
        `The worker thread exited with code ${exit[1]} while running the task (did it call process.exit()?); ` +
        'the worker was replaced and the other tasks ran on. Return a value or throw an Error instead of exiting.',
    };
  }
  return { code: 'worker-exit', name: error.name || 'Error', message: `The worker stopped while running the task: ${error.message}`, stack: error.stack };
}
