// Entry plumbing for a comparison child process: run.ts starts each comparison as plain `node`, not under tsx.
import * as fs from 'node:fs';
import type { SectionResult } from './results';

export const REPETITIONS = Math.max(5, Number(process.env.BENCH_REPS ?? 5));
export const WARMUP_ROUNDS = 1;

export function log(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

/** Runs one comparison and writes its SectionResult as JSON to the file named by argv[2]. */
export function runComparison(main: () => Promise<SectionResult>): void {
  const out = process.argv[2];
  main()
    .then((result) => {
      fs.writeFileSync(out, JSON.stringify(result, null, 1));
      // Pools that forgot to unref must not keep the child (and so the whole bench) alive.
      setTimeout(() => process.exit(0), 200).unref();
    })
    .catch((error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`comparison failed: ${message}\n`);
      fs.writeFileSync(out, JSON.stringify({ error: message }));
      process.exit(1);
    });
}

export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
