// Which Linux-only facilities this process may use: /proc (per-thread CPU and wait, the machine's CPU, process trees,
// resident memory) and process groups. Where one is missing, each caller takes its own path or reports the figure as not
// available, never a zero. A test build honours PARALLEL_RUNNER_AS_IF_NOT_LINUX=1, so a Linux machine can run the engine
// as Windows sees it (no /proc, no process groups); the package is built with `__TEST__` false and drops the variable.
const testBuild = typeof __TEST__ === 'undefined' || __TEST__;
const asIfNotLinux = testBuild && process.env.PARALLEL_RUNNER_AS_IF_NOT_LINUX === '1';

/** Linux's /proc: the only source of per-thread schedstat, /proc/stat, children lists and VmRSS here. */
export const hasProcFs = process.platform === 'linux' && !asIfNotLinux;

/** Process groups (a worker leads one; `kill(-pid)` ends everything its tasks started): every platform but Windows. */
export const hasProcessGroups = process.platform !== 'win32' && !asIfNotLinux;
