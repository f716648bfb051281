// Per-thread CPU and run-queue wait from Linux's /proc/thread-self/schedstat, read around each task.
import { closeSync, openSync, readSync } from 'node:fs';
import { hasProcFs } from '../shared/platformSupport';

/** CPU time on this thread and time spent runnable but waiting for a CPU, in µs since the thread started. */
export interface ThreadTimes {
  cpuUs: number;
  waitUs: number;
}

const buffer = Buffer.alloc(96);
/** The file stays open: a positioned read of it costs ~2 µs, opening it anew ~15 µs. -1 once it proved unreadable. */
let fd: number | undefined;

/** Parses the first two decimal fields ("cpu_ns wait_ns slices") without building a string. */
function parseSchedstat(length: number): ThreadTimes | undefined {
  let at = 0;
  let cpuNs = 0;
  for (; at < length && buffer[at] !== 32; at++) cpuNs = cpuNs * 10 + (buffer[at] - 48);
  let waitNs = 0;
  for (at++; at < length && buffer[at] !== 32 && buffer[at] !== 10; at++) waitNs = waitNs * 10 + (buffer[at] - 48);
  return at > 1 && Number.isFinite(cpuNs) && Number.isFinite(waitNs) ? { cpuUs: cpuNs / 1000, waitUs: waitNs / 1000 } : undefined;
}

/**
 * This thread's times now, or undefined where the platform has no such file (macOS, Windows, a kernel without
 * schedstats): the report then says the figures are unavailable instead of showing zeros.
 */
export function readThreadTimes(): ThreadTimes | undefined {
  if (fd === undefined) {
    try {
      fd = hasProcFs ? openSync('/proc/thread-self/schedstat', 'r') : -1;
    } catch {
      fd = -1;
    }
  }
  if (fd < 0) return undefined;
  try {
    // schedstat's CPU time of a running thread moves only at scheduler ticks (4 ms): a 2 ms task read 0 ms. getrusage,
    // which process.cpuUsage calls, brings the calling thread's counter up to date first (~5 µs).
    process.cpuUsage();
    return parseSchedstat(readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    closeSync(fd);
    fd = -1;
    return undefined;
  }
}
