// Sample workloads for Parallel Runner: the Python multiprocessing tutorial's functions, in TypeScript, scaled to tenths of a second.
//
// How to try it: put the cursor inside a function below and run "Parallel Runner: Run Function in Worker Pool"
// (or click the CodeLens above it), then give the inputs: a JSON array of argument lists such as [[1], [2], [3]],
// or a JS expression that builds one, such as Array.from({ length: 5 }, (_, i) => [i, i + 1]).
// Each argument list is one task; the panel shows one lane per worker (PID + thread ID), serial vs parallel, and the speedup.
//
// Worker threads share their process's PID, so the lines below print the thread ID too: with the "threads" backend you
// will see one PID and several thread IDs; with the "processes" backend, one PID per worker (as Python's Pool shows).
//
// Unlike Python, nothing here needs `if __name__ == '__main__':` — this file only declares functions; each worker loads
// it once and calls the function you picked. Only node: built-ins are imported, so it runs without installing anything.
import { threadId } from 'node:worker_threads';

/** Waits without keeping the CPU busy, like Python's time.sleep (the worker still runs only this one task meanwhile). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Python:
 *   def long_time_task(i):
 *       print(f'Child process: {os.getpid()} - Task: {i}')
 *       time.sleep(i)
 *       print(f'Result: {i}')
 *
 * Sleeps i × 100 ms (the tutorial's 1…5 s become 0.1…0.5 s).
 * Try inputs: [[1], [2], [3], [4], [5]] on 5 workers — the tutorial's Pool(5) with apply_async(long_time_task, (i + 1,)).
 * Serial takes about 1.5 s, parallel about 0.5 s: a speedup near 3×, the most five tasks of these lengths allow.
 */
export async function longTimeTask(i: number): Promise<number> {
  console.log(`Child process: ${process.pid} · thread ${threadId} - Task: ${i}`);
  await sleep(i * 100);
  console.log(`Result: ${i}`);
  return i;
}

/**
 * Python:
 *   def do_something(a, b):
 *       seconds = a + b
 *       print(f'Sleeping {seconds} seconds...')
 *       time.sleep(seconds)
 *       return f'Done sleeping {seconds} seconds'
 *
 * Sleeps (a + b) × 100 ms and returns a message; results come back in input order, as starmap returns them.
 * Try inputs: Array.from({ length: 5 }, (_, i) => [i, i + 1]) — the tutorial's
 * `inputs = [(i, i + 1) for i in range(5)]; pool.starmap_async(do_something, inputs)`,
 * or [[1, 2], [1, 1]] for its apply_async(...).get() and executor.submit(...).result() examples.
 */
export async function doSomething(a: number, b: number): Promise<string> {
  const tenths = a + b;
  console.log(`Sleeping ${tenths} tenths of a second...`);
  await sleep(tenths * 100);
  return `Done sleeping ${tenths} tenths of a second`;
}

/**
 * Python:
 *   class MyProcess(Process):
 *       def __init__(self, value): super().__init__(); self.value = value
 *       def step_1(self): print(self.value + 1)
 *       def step_2(self): print(self.value + 2)
 *       def run(self): self.step_1(); self.step_2()
 *
 * A class with run(): each task does `new MyProcess(...args).run()`, the way p.start() calls run() in a child process.
 * Try inputs: [[2]] (prints 3 and 4, as in the tutorial) or [[2], [10], [20]].
 */
export class MyProcess {
  constructor(private readonly value: number) {}

  step1(): number {
    console.log(this.value + 1);
    return this.value + 1;
  }

  step2(): number {
    console.log(this.value + 2);
    return this.value + 2;
  }

  /** Python's run() returns None; returning both values lets the panel's result column show them. */
  run(): [number, number] {
    return [this.step1(), this.step2()];
  }
}

/**
 * A truly CPU-bound task (the kind the tutorial says multiprocessing is for): counts primes below `limit` by trial division.
 * Unlike the sleeps above, this keeps a core busy, so the speedup is capped by the number of cores, not by the pool size.
 * Try inputs: [[2000000], [2000000], [2000000], [2000000]] (each task takes roughly 0.3–1 s).
 */
export function countPrimes(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let isPrime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        isPrime = false;
        break;
      }
    }
    if (isPrime) count++;
  }
  console.log(`PID ${process.pid} · thread ${threadId}: ${count} primes below ${limit}`);
  return count;
}

/** Naive recursive Fibonacci: CPU-bound and exponential (fib(35) takes roughly 0.4 s). Try inputs: [[32], [33], [34], [35]]. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** A static method target: each task calls `Primes.count(...args)`. Try inputs: [[500000], [1000000]]. */
export class Primes {
  static count(limit: number): number {
    return countPrimes(limit);
  }
}
