// The raw Node pools the engine is compared against, behind one small interface; each loads its library lazily.
import * as path from 'node:path';

export type PeerName = 'piscina' | 'tinypool' | 'workerpool';
export type WorkloadName = 'identity' | 'timedCountPrimes' | 'timedSleep';

export interface PeerPool {
  readonly name: PeerName;
  run(fn: WorkloadName, arg: unknown): Promise<unknown>;
  destroy(): Promise<void>;
}

/** What the timed workloads return: the value and when the task ran (absolute monotonic µs). */
export interface TimedOutcome {
  value: unknown;
  startUs: number;
  endUs: number;
}

const FIXTURES = path.resolve(process.cwd(), 'test/fixtures/bench');
export const WORKLOADS_FILE = path.join(FIXTURES, 'workloads.cjs');
const WORKERPOOL_FILE = path.join(FIXTURES, 'workerpoolWorker.cjs');

/** A pool with exactly `workers` threads, started now (construction is part of a cold measurement). */
export async function startPeerPool(name: PeerName, workers: number): Promise<PeerPool> {
  switch (name) {
    case 'piscina': {
      const { Piscina } = await import('piscina');
      const pool = new Piscina({ filename: WORKLOADS_FILE, minThreads: workers, maxThreads: workers, idleTimeout: 60_000 });
      return { name, run: (fn, arg) => pool.run(arg, { name: fn }), destroy: () => pool.destroy() };
    }
    case 'tinypool': {
      const { Tinypool } = await import('tinypool');
      const pool = new Tinypool({ filename: WORKLOADS_FILE, minThreads: workers, maxThreads: workers, idleTimeout: 60_000 });
      return { name, run: (fn, arg) => pool.run(arg, { name: fn }), destroy: () => pool.destroy() };
    }
    case 'workerpool': {
      const workerpool = await import('workerpool');
      const pool = workerpool.pool(WORKERPOOL_FILE, { minWorkers: workers, maxWorkers: workers, workerType: 'thread' });
      return {
        name,
        run: (fn, arg) => Promise.resolve(pool.exec(fn, [arg])),
        destroy: async () => {
          await pool.terminate();
        },
      };
    }
  }
}

/** Loads the library without starting a pool, so an in-process cold measurement counts pool start, not module load. */
export async function preloadPeer(name: PeerName): Promise<void> {
  await import(name);
}
