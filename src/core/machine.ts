// The machine around a run: how much CPU other programs used during a phase, from /proc/stat minus this run's own process tree.
import { readdirSync, readFileSync } from 'node:fs';
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

function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'latin1').slice(0, 256).split('\n', 1)[0];
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already inside user)
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
}

/** utime + stime of one process (all its threads), or 0 if it has gone. */
function processTicks(pid: number | 'self'): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name is in parentheses and may hold spaces: fields are counted after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Child PIDs of every thread of a process (a worker process may be forked from any thread). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim();
        if (text) for (const child of text.split(' ')) children.push(Number(child));
      } catch {
        // The thread ended while we looked.
      }
    }
  } catch {
    // The process ended while we looked.
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
    let ownTicks = 0;
    for (const pid of ownProcessTree()) ownTicks += processTicks(pid === process.pid ? 'self' : pid);
    return { machineTicks: machineBusyTicks(), ownTicks };
  } catch {
    return undefined;
  }
}

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
  const online = cpus().length || Infinity;
  return { otherCores: Math.min(online, Math.max(0, machine - own) / seconds), ownCores: Math.min(online, own / seconds) };
}
