// Runs inside a worker thread for dispatch.ts: the worker-side cost per task of the engine's runner, without any pool.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { claimSlot, createStartBoard, phaseTag, postStart, viewStartBoard } from '../../src/shared/startBoard';
import type { ModuleSpec, TaskOutcome, WorkerBatch } from '../../src/shared/workerProtocol';
import { runWorkerBatch } from '../../src/worker/taskRunner';

export interface WorkerPieceResult {
  /** µs per task for runWorkerBatch over one big chunk, per repetition. */
  runnerUs: number[];
  /** µs per task to structured-clone the outcomes (what posting them back costs, roughly, on one side). */
  cloneUs: number[];
}

async function main(): Promise<void> {
  const { module, tasks, repetitions } = workerData as { module: ModuleSpec; tasks: number; repetitions: number };
  const board = viewStartBoard(createStartBoard(64));
  const slot = claimSlot(board);
  const batch: WorkerBatch = { module, tasks: Array.from({ length: tasks }, (_, index) => ({ index, args: [index] })), maxLogChars: 64 * 1024, phaseKey: '1.0' };
  const tag = phaseTag(batch.phaseKey);
  const result: WorkerPieceResult = { runnerUs: [], cloneUs: [] };
  for (let rep = 0; rep <= repetitions; rep++) {
    const start = performance.now();
    const outcomes: TaskOutcome[] = await runWorkerBatch(batch, { pid: process.pid, threadId }, (n) => postStart(board, slot, threadId, n.index, tag, n.startUs), {
      cloneCheck: { sharedMemory: true },
      runnerFiles: [],
      announceEveryTask: true,
      announceFirstTask: true,
    });
    const ran = performance.now();
    structuredClone(outcomes);
    const cloned = performance.now();
    if (rep === 0) continue; // the first pass loads the module and warms the JIT
    result.runnerUs.push(((ran - start) * 1000) / tasks);
    result.cloneUs.push(((cloned - ran) * 1000) / tasks);
  }
  parentPort?.postMessage(result);
}

void main();
