// The machine around a run: how much CPU other programs used during a phase, from /proc/stat minus this run's own process tree.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { cpus } from 'node:os';
import { hasProcFs } from '../shared/platformSupport';

/** Linux reports /proc times in USER_HZ ticks, 100 per second on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export interface CpuSample {
  /** Busy ticks of the whole machine (user, nice, system, irq, softirq, steal). */
  machineTicks: number;
  /** Ticks used by this process and its descendants (worker processes, processes tasks started). */
  ownTicks: number;
}

/**
 * /proc files read at every phase's start and end, kept open: a positioned read of an open file costs ~2 µs, opening,
 * reading and closing one ~15 µs, and a sample reads one per thread of the host (dozens in an extension host). A file
 * that was not read in the latest sample is closed; one whose process or thread has gone fails its read and is dropped,
 * so a reused PID is opened afresh by its path.
 */
const MAX_OPEN_FILES = 256;
const openFiles = new Map<string, number>();
let readThisSample = new Set<string>();
const buffer = Buffer.alloc(8192);

function readProcFile(file: string): string | undefined {
  readThisSample.add(file);
  let fd = openFiles.get(file);
  try {
    if (fd === undefined && openFiles.size < MAX_OPEN_FILES) {
      fd = openSync(file, 'r');
      openFiles.set(file, fd);
    }
    if (fd === undefined) return readFileSync(file, 'latin1');
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return length < buffer.length ? buffer.toString('latin1', 0, length) : readFileSync(file, 'latin1');
  } catch {
    if (fd !== undefined) forget(file, fd);
    return undefined;
  }
}

function forget(file: string, fd: number): void {
  openFiles.delete(file);
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

/** Closes the /proc files a sample keeps open; the next sample opens them again. */
export function closeCpuSampler(): void {
  readThisSample = new Set();
  closeUnread();
}

function closeUnread(): void {
  for (const [file, fd] of openFiles) if (!readThisSample.has(file)) forget(file, fd);
  readThisSample = new Set();
}

function machineBusyTicks(): number {
  const text = readProcFile('/proc/stat');
  if (text === undefined) throw new Error('/proc/stat cannot be read');
  const line = text.slice(0, 256).split('\n', 1)[0];
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already inside user)
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
}

/** utime + stime of one process (all its threads), or 0 if it has gone. */
function processTicks(pid: number): number {
  const text = readProcFile(`/proc/${pid}/stat`);
  if (text === undefined) return 0;
  // The command name is in parentheses and may hold spaces: fields are counted after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Child PIDs of every thread of a process (a worker process may be forked from any thread). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children; // The process ended while we looked.
  }
  for (const tid of threads) {
    const text = readProcFile(`/proc/${pid}/task/${tid}/children`)?.trim();
    if (text) for (const child of text.split(' ')) children.push(Number(child));
  }
  return children;
}

/** This process and every descendant, breadth first; bounded so a fork bomb in a task cannot stall the host here. */
function ownProcessTree(limit = 4096): number[] {
  const tree = [process.pid];
  for (let i = 0; i < tree.length && tree.length < limit; i++) tree.push(...childrenOf(tree[i]).slice(0, limit - tree.length));
  return tree;
}

let available: boolean | undefined;

/** Whether this platform lets a run see the machine's CPU (Linux with /proc). */
export function machineCpuAvailable(): boolean {
  if (available === undefined) {
    try {
      available = hasProcFs && Number.isFinite(machineBusyTicks());
    } catch {
      available = false;
    }
  }
  return available;
}

/** A reading of the machine's and this process tree's CPU, or undefined where /proc is not available. */
export function sampleCpu(): CpuSample | undefined {
  if (!machineCpuAvailable()) return undefined;
  try {
    // This process's own CPU from getrusage (exact, ~2 µs), its descendants' from /proc, both in ticks.
    const self = process.cpuUsage();
    let ownTicks = ((self.user + self.system) / 1e6) * TICKS_PER_SECOND;
    for (const pid of ownProcessTree()) if (pid !== process.pid) ownTicks += processTicks(pid);
    return { machineTicks: machineBusyTicks(), ownTicks };
  } catch {
    return undefined;
  } finally {
    closeUnread();
  }
}

/** CPUs online, asked once: os.cpus() reads /proc/cpuinfo (~0.1 ms), and the count does not change under a run. */
let onlineCpus: number | undefined;

/**
 * Average cores used between two samples by other programs and by this run's own processes. A process of the tree that
 * exited in between took its ticks with it, so they count as other programs': a replaced worker is rare and short.
 */
export function coresBetween(before: CpuSample, after: CpuSample, wallMs: number): { otherCores: number; ownCores: number } | undefined {
  if (!(wallMs > 0)) return undefined;
  const seconds = wallMs / 1000;
  const machine = (after.machineTicks - before.machineTicks) / TICKS_PER_SECOND;
  const own = Math.max(0, (after.ownTicks - before.ownTicks) / TICKS_PER_SECOND);
  // Ticks are counted at 100 Hz on both sides, so a reading can overshoot by a tick or two: never more cores than exist.
  onlineCpus ??= cpus().length || Infinity;
  const online = onlineCpus;
  return { otherCores: Math.min(online, Math.max(0, machine - own) / seconds), ownCores: Math.min(online, own / seconds) };
}
