// Ranges every entry point (CLI flags, VS Code settings, the engine) holds options to, so a value means the same everywhere.

/** Node fires a timer of more than 2^31-1 ms after 1 ms: the longest task timeout that still means what it says (~24.8 days). */
export const MAX_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A worker heap below this fails to load Node itself, so smaller limits are refused rather than reported as the task's fault. */
export const MIN_MEMORY_LIMIT_MB = 16;
