// Where a warm sleep run's overhead goes: milestones of one warm run (5 tasks of 0.1–0.5 s on 5 threads), after warm-up runs.
// Usage: node --import tsx test/bench/sleepProbe.ts [threads|processes] [runs]
import * as path from 'node:path';
import { createEngine, disposeEngine, FIXTURES, freshCacheDir, runOptions } from './engineDriver';
import type { BackendKind } from '../../src/shared/report';

const backend = (process.argv[2] ?? 'threads') as BackendKind;
const runs = Number(process.argv[3] ?? 10);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const engine = await createEngine(freshCacheDir('sleep-probe'));
  const request = {
    file: path.join(FIXTURES, 'sleep.ts'),
    target: { name: 'longTimeTask' },
    inputs: [[0.1], [0.2], [0.3], [0.4], [0.5]],
    options: runOptions(backend, 5),
    chunkSize: 1 as const,
  };
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const marks: Record<string, number> = {};
    const t0 = nowUs();
    const outcome = await engine.run(request, {
      onEvent: (event) => {
        const at = (nowUs() - t0) / 1000;
        const key = event.type === 'task-finished' ? `task-finished ${event.task.index}` : event.type;
        marks[key] ??= at;
      },
    });
    marks['returned'] = (nowUs() - t0) / 1000;
    const origin = outcome.report.clockOriginUs;
    const tasks = outcome.report.tasks;
    marks['first start'] = (origin + Math.min(...tasks.map((t) => t.startUs!)) - t0) / 1000;
    marks['last end'] = (origin + Math.max(...tasks.map((t) => t.endUs!)) - t0) / 1000;
    marks['task 4 ms'] = tasks.find((t) => t.index === 4)!.durationMs!;
    if (i >= 2) rows.push(marks);
  }
  const keys = Object.keys(rows[0]);
  for (const key of keys) {
    const values = rows.map((r) => r[key]).sort((a, b) => a - b);
    console.log(key.padEnd(22), values[Math.floor(values.length / 2)].toFixed(2).padStart(9), `(${values[0].toFixed(2)}–${values.at(-1)!.toFixed(2)})`);
  }
  await disposeEngine(engine);
}
void main();
