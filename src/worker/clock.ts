// The monotonic clock every thread and process shares: absolute microseconds from process.hrtime.

/** Absolute monotonic µs (CLOCK_MONOTONIC on Linux/macOS, QueryPerformanceCounter on Windows): comparable across threads and processes. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
