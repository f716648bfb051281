// What profile.ts runs under --cpu-prof: one engine scenario, warmed up, then measured a few times.
import * as path from 'node:path';
import { countingHandlers, createEngine, disposeEngine, FIXTURES, freshCacheDir, runOptions } from './engineDriver';
import type { BackendKind } from '../../src/shared/report';

async function main(): Promise<void> {
  const [backend = 'threads', chunk = '1', tasksArg = '10000'] = process.argv.slice(2);
  const chunkSize: number | 'auto' = chunk === 'auto' ? 'auto' : Number(chunk);
  const tasks = Number(tasksArg);
  const engine = await createEngine(freshCacheDir('profile'));
  const inputs = Array.from({ length: tasks }, (_, i) => [i]);
  const request = { file: path.join(FIXTURES, 'identity.ts'), target: { name: 'identity' }, inputs, options: runOptions(backend as BackendKind, 2), chunkSize };
  for (let i = 0; i < 2; i++) await engine.run(request, countingHandlers().handlers);
  const walls: number[] = [];
  const runs = Number(process.env.PROFILE_RUNS ?? 3);
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const outcome = await engine.run(request, countingHandlers().handlers);
    walls.push(performance.now() - start);
    const phase = outcome.report.phases.find((p) => p.phase === 'parallel');
    if (i < 3 || i === runs - 1) process.stderr.write(`run ${i}: ${walls[i].toFixed(1)} ms (parallel phase ${phase?.wallMs.toFixed(1)} ms)\n`);
  }
  await disposeEngine(engine);
}

void main();
