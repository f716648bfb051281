// How busy the machine was while we measured: load averages and CPU time used by processes that are not ours.
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Linux USER_HZ; /proc times are in these ticks. */
const TICKS_PER_SECOND = 100;

interface ProcTimes {
  pid: number;
  ppid: number;
  name: string;
  /** utime + stime of the process itself, seconds. */
  selfSec: number;
  /** cutime + cstime: children it has reaped, seconds. */
  reapedChildrenSec: number;
}

export interface MachineSnapshot {
  atMs: number;
  loadAverage: number[];
  /** Busy CPU seconds of the whole machine since boot (all cores). */
  machineBusySec: number;
  /** CPU seconds used so far by this process and its descendants. */
  ownTreeSec: number;
  perProcess: Map<number, ProcTimes>;
}

export interface Busyness {
  wallSec: number;
  loadBefore: number[];
  loadAfter: number[];
  /** CPU seconds used by processes other than the bench during the interval (all cores together). */
  otherCpuSec: number;
  /** otherCpuSec / wall: how many cores others kept busy on average. */
  otherCores: number;
  /** The biggest other consumers seen at both ends, `name pid: seconds`. */
  topOthers: string[];
}

function readProcTimes(pid: string): ProcTimes | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The name is in parentheses and may contain spaces; fields after it are space separated.
    const close = text.lastIndexOf(')');
    const name = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14 -> index 11.
    const num = (i: number) => Number(fields[i]) / TICKS_PER_SECOND;
    return { pid: Number(pid), ppid: Number(fields[1]), name, selfSec: num(11) + num(12), reapedChildrenSec: num(13) + num(14) };
  } catch {
    return undefined; // exited while we looked
  }
}

function machineBusySec(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) / TICKS_PER_SECOND;
}

export function snapshot(): MachineSnapshot {
  const perProcess = new Map<number, ProcTimes>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    entries = [];
  }
  for (const pid of entries) {
    const t = readProcTimes(pid);
    if (t) perProcess.set(t.pid, t);
  }
  const ours = descendantsOf(process.pid, perProcess);
  let ownTreeSec = 0;
  for (const pid of ours) {
    const t = perProcess.get(pid);
    // A live process's reaped children are no longer in the tree, so adding both never counts anything twice.
    if (t) ownTreeSec += t.selfSec + t.reapedChildrenSec;
  }
  let busy = NaN;
  try {
    busy = machineBusySec();
  } catch {
    busy = NaN;
  }
  return { atMs: performance.now(), loadAverage: os.loadavg(), machineBusySec: busy, ownTreeSec, perProcess };
}

function descendantsOf(root: number, procs: Map<number, ProcTimes>): Set<number> {
  const children = new Map<number, number[]>();
  for (const t of procs.values()) {
    const list = children.get(t.ppid) ?? [];
    list.push(t.pid);
    children.set(t.ppid, list);
  }
  const seen = new Set<number>([root]);
  const stack = [root];
  while (stack.length) {
    for (const child of children.get(stack.pop() as number) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        stack.push(child);
      }
    }
  }
  return seen;
}

export function busynessBetween(before: MachineSnapshot, after: MachineSnapshot): Busyness {
  const wallSec = (after.atMs - before.atMs) / 1000;
  const ownAfter = descendantsOf(process.pid, after.perProcess);
  const otherCpuSec = Math.max(0, after.machineBusySec - before.machineBusySec - (after.ownTreeSec - before.ownTreeSec));
  const deltas: { label: string; sec: number }[] = [];
  for (const [pid, a] of after.perProcess) {
    const b = before.perProcess.get(pid);
    if (!b || ownAfter.has(pid) || b.name !== a.name) continue;
    const sec = a.selfSec + a.reapedChildrenSec - (b.selfSec + b.reapedChildrenSec);
    if (sec > 0.05) deltas.push({ label: `${a.name} ${pid}`, sec });
  }
  deltas.sort((x, y) => y.sec - x.sec);
  return {
    wallSec,
    loadBefore: before.loadAverage,
    loadAfter: after.loadAverage,
    otherCpuSec,
    otherCores: wallSec > 0 ? otherCpuSec / wallSec : 0,
    topOthers: deltas.slice(0, 3).map((d) => `${d.label}: ${d.sec.toFixed(1)} s`),
  };
}

export function describeBusyness(b: Busyness): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const others = b.topOthers.length ? `; largest (with the children each reaped): ${b.topOthers.join(', ')}` : '';
  return (
    `load average (1/5/15 min) ${load(b.loadBefore)} before, ${load(b.loadAfter)} after; ` +
    `other processes used ${b.otherCpuSec.toFixed(1)} CPU-s in ${b.wallSec.toFixed(0)} s (${b.otherCores.toFixed(2)} of ${os.cpus().length} cores)${others}`
  );
}
