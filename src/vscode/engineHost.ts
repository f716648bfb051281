// Creates the engine on the first run (not at activation) and disposes it on deactivate, leaving no pool behind.
import { Engine } from '../core/engine';
import type { EngineOptions } from '../core/api';

export class EngineHost {
  private engine: Engine | undefined;

  constructor(private readonly options: EngineOptions) {}

  get(): Engine {
    this.engine ??= new Engine(this.options);
    return this.engine;
  }

  get started(): boolean {
    return this.engine !== undefined;
  }

  /** Ends every pool, thread and child process; a later run starts a fresh engine. */
  async dispose(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    await engine?.dispose();
  }
}
