// Keeps pools warm between runs (same backend, size and memory limit) and closes them after a spell unused.
import { ProcessPool } from './processPool';
import { PythonPool } from './pythonPool';
import { ThreadPool } from './threadPool';
import { poolKey, type PoolConfig, type WorkerPool } from './workerPool';

/** Idle pools kept at once; a sweep over many worker counts would otherwise leave a pool per count running. */
const MAX_IDLE_POOLS = 3;

interface PoolEntry {
  pool: Promise<WorkerPool>;
  users: number;
  idleTimer?: NodeJS.Timeout;
  lastUsed: number;
}

export async function createPool(config: PoolConfig, idleTimeoutMs: number): Promise<WorkerPool> {
  if (config.language === 'python') return PythonPool.create(config);
  return config.backend === 'threads' ? ThreadPool.create(config, idleTimeoutMs) : new ProcessPool(config);
}

export class WarmPools {
  private readonly entries = new Map<string, PoolEntry>();

  constructor(private readonly idleTimeoutMs: number) {}

  /** The warm pool for this configuration, created on first use; pair every acquire with a release. */
  async acquire(config: PoolConfig): Promise<WorkerPool> {
    const key = poolKey(config);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { pool: createPool(config, this.idleTimeoutMs), users: 0, lastUsed: Date.now() };
      this.entries.set(key, entry);
      entry.pool.catch(() => this.entries.delete(key));
    }
    entry.users++;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    return entry.pool;
  }

  release(pool: WorkerPool): void {
    const key = poolKey(pool.config);
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.users = Math.max(0, entry.users - 1);
    entry.lastUsed = Date.now();
    if (entry.users > 0) return;
    // The run is over: what its tasks left running ends now, not when the warm pool closes minutes later. (The engine
    // asks first, to name them in a warning; this catches what it did not.)
    void pool.endLeftoverProcesses?.().catch(() => undefined);
    entry.idleTimer = setTimeout(() => void this.close(key), this.idleTimeoutMs);
    entry.idleTimer.unref();
    this.evictExtraIdle();
  }

  private evictExtraIdle(): void {
    const idle = [...this.entries].filter(([, entry]) => entry.users === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [key] of idle.slice(0, Math.max(0, idle.length - MAX_IDLE_POOLS))) void this.close(key);
  }

  private async close(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    const pool = await entry.pool.catch(() => undefined);
    await pool?.destroy();
  }

  async disposeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((key) => this.close(key)));
  }
}
