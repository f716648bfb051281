// The Engine: runs requests over warm worker pools and closes them when idle or disposed. The faces' one entry point.
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineOptions, RunHandlers, RunOutcome, RunRequest } from './api';
import { closeCpuSampler } from './machine';
import { WarmPools } from './pools';
import { executeRun, prewarmRun, type RunContext } from './run';

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export class Engine {
  private readonly context: RunContext;

  constructor(options: EngineOptions = {}) {
    this.context = {
      pools: new WarmPools(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS),
      // The faces are bundled into dist/ next to taskWorker.js and processWorker.js.
      distDir: options.distDir ?? __dirname,
      cacheDir: options.cacheDir ?? path.join(os.tmpdir(), 'parallel-runner-cache'),
    };
  }

  /** Runs the target over the inputs serially and in parallel; UserError for what the user must fix, a report for the rest. */
  run(request: RunRequest, handlers?: RunHandlers): Promise<RunOutcome> {
    return executeRun(this.context, request, handlers);
  }

  /** Bundles the target and boots the pools while the user is still typing inputs. Never throws. */
  prewarm(request: Omit<RunRequest, 'inputs'>): Promise<void> {
    return prewarmRun(this.context, request).catch(() => undefined);
  }

  /** Closes every pool; the engine stays usable and starts new pools on the next run. */
  dispose(): Promise<void> {
    closeCpuSampler();
    return this.context.pools.disposeAll();
  }
}
