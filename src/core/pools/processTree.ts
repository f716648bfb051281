// Finding and ending the processes a worker (or a task in it) started, so none outlives the run. Linux reads /proc; elsewhere
// only the worker's process group is known.
import { openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { hasProcFs } from '../../shared/platformSupport';
import type { LeftoverProcess } from '../../shared/workerProtocol';

/** Set in every worker process's environment, and inherited by whatever its tasks start, detached or not. */
export const WORKER_TOKEN_VARIABLE = 'PARALLEL_RUNNER_WORKER_TOKEN';

export type ProcessInfo = LeftoverProcess;

const HAS_PROC = hasProcFs;
/** /proc/thread-self/children, kept open by the worker thread that reads it; -1 where the kernel has no such file. */
let childrenFile: number | undefined;
const childrenBuffer = Buffer.alloc(4096);

function numericEntries(): number[] {
  if (!HAS_PROC) return [];
  try {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return [];
  }
}

/** `sleep 30`, from /proc/PID/cmdline; '' once it has gone. */
export function commandOf(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text.length > 80 ? `${text.slice(0, 79)}…` : text;
  } catch {
    return '';
  }
}

/** Whether the process exists and is not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Every live process whose environment carries `token`: a worker's descendants, including those a task detached into a
 * session of their own and those its exit left to init. (A task that clears the environment of what it starts hides them.)
 */
export function processesWithToken(token: string): number[] {
  return processesWithTokens([token]).get(token) ?? [];
}

/** processesWithToken for several tokens in one pass over /proc (a few ms for a few hundred processes). */
export function processesWithTokens(tokens: readonly string[]): Map<string, number[]> {
  const found = new Map<string, number[]>();
  if (tokens.length === 0) return found;
  const prefix = `${WORKER_TOKEN_VARIABLE}=`;
  for (const pid of numericEntries()) {
    if (pid === process.pid) continue;
    let environment: string;
    try {
      environment = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      // Another user's process, or it ended while we looked.
      continue;
    }
    const at = environment.indexOf(prefix);
    if (at === -1) continue;
    const end = environment.indexOf('\0', at);
    const token = environment.slice(at + prefix.length, end === -1 ? undefined : end);
    if (!tokens.includes(token)) continue;
    const pids = found.get(token) ?? [];
    pids.push(pid);
    found.set(token, pids);
  }
  return found;
}

/** Sends SIGKILL to a process group and to each of `pids`; whatever has already gone is skipped. */
export function killGroupAndProcesses(groupLeader: number | undefined, pids: readonly number[]): void {
  if (groupLeader) {
    try {
      process.kill(-groupLeader, 'SIGKILL');
    } catch {
      // The group is empty already.
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** Children of this thread (Linux: /proc/thread-self/children), live ones only; [] where that cannot be read. */
export function childrenOfThisThread(): number[] {
  if (!HAS_PROC) return [];
  try {
    // Read twice for every batch: a positioned read of a file kept open costs ~1.5 µs, readFileSync ~12 µs, which with
    // one task per batch was a fifth of the engine's cost per task. /proc/thread-self resolves to this thread at open.
    childrenFile ??= openSync('/proc/thread-self/children', 'r');
    if (childrenFile < 0) return [];
    const length = readSync(childrenFile, childrenBuffer, 0, childrenBuffer.length, 0);
    if (length === 0) return [];
    const text = length < childrenBuffer.length ? childrenBuffer.toString('latin1', 0, length) : readFileSync('/proc/thread-self/children', 'latin1');
    return text
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter(isRunning);
  } catch {
    childrenFile ??= -1;
    return [];
  }
}

/** Resident memory of a process in MB (VmRSS in /proc/PID/status); undefined where that cannot be read. */
export function residentMb(pid: number): number | undefined {
  if (!HAS_PROC) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
