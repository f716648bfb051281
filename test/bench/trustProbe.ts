// Outside measurement for the trust comparison: one process, raw worker threads (no Parallel Runner), W workers, the
// same tasks; prints the wall time of running them all. Run as `node trustProbe.js WORKLOAD WORKERS`.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { compute, lockedWork } from '../fixtures/engine/contention';
import { COMPUTE_STEPS, LOCK_ROUNDS, LOCK_STEPS, TRUST_TASKS, type TrustWorkload } from './trustWorkload';

function runTask(workload: TrustWorkload, lock: SharedArrayBuffer): number {
  return workload === 'compute' ? compute(COMPUTE_STEPS) : lockedWork(lock, LOCK_ROUNDS, LOCK_STEPS);
}

if (!isMainThread) {
  const { workload, lock } = workerData as { workload: TrustWorkload; lock: SharedArrayBuffer };
  parentPort!.on('message', (message: 'task' | 'warm') => {
    if (message === 'warm') {
      parentPort!.postMessage('ready');
      return;
    }
    runTask(workload, lock);
    parentPort!.postMessage('done');
  });
} else if (process.argv[2]) {
  const workload = process.argv[2] as TrustWorkload;
  const workers = Number(process.argv[3]);
  const lock = new SharedArrayBuffer(4);
  const threads = Array.from({ length: workers }, () => new Worker(__filename, { workerData: { workload, lock } }));
  const ask = (thread: Worker, message: 'task' | 'warm') => new Promise<void>((resolve) => thread.once('message', () => resolve()) && thread.postMessage(message));
  void (async () => {
    // Booted and answering before the clock starts, as the engine's phases start after the pool is ready.
    await Promise.all(threads.map((thread) => ask(thread, 'warm')));
    const started = performance.now();
    let next = 0;
    await Promise.all(
      threads.map(async (thread) => {
        while (next < TRUST_TASKS) {
          next++;
          await ask(thread, 'task');
        }
      }),
    );
    process.stdout.write(`${performance.now() - started}\n`);
    await Promise.all(threads.map((thread) => thread.terminate()));
  })();
}
