// The account of a parallel phase: where its wall time went against the ideal, as terms that add up to it exactly.
import * as l10n from '@vscode/l10n';
import type { AccountSegment, AccountSegmentKey, PhaseRun, RunAccount, TaskRecord } from '../shared/report';
import { formatDuration } from './format';

/** The order the segments are drawn in, from 0 to the parallel wall time. */
export const SEGMENT_ORDER: readonly AccountSegmentKey[] = ['work', 'contention', 'cpu-wait', 'blocked', 'slowdown', 'unmatched', 'startup', 'dispatch', 'imbalance'];

export interface AccountInput {
  /** The parallel phase to explain. */
  parallel: PhaseRun;
  /** Its tasks (phase 'parallel', the same repeat). */
  parallelTasks: readonly TaskRecord[];
  /** The serial phase of the same pair, and its tasks; absent when the run had no serial phase. */
  serial?: PhaseRun;
  serialTasks?: readonly TaskRecord[];
  /** The machine's cores, for the advice. */
  cores: number;
}

interface TimedTask {
  lane: number;
  startUs: number;
  endUs: number;
  ms: number;
}

function timed(task: TaskRecord): TimedTask | undefined {
  if (task.startUs === undefined || task.endUs === undefined || task.durationMs === undefined) return undefined;
  return { lane: task.lane, startUs: task.startUs, endUs: task.endUs, ms: task.durationMs };
}

/**
 * Idle time of the phase's W worker positions, split at each position's first and last task. A worker replaced after a
 * timeout or crash shows up as a new lane; lanes are chained into positions (a lane takes the position that fell free
 * last before its first task), so W positions stay W however many lanes there were. Positions that ran nothing are idle
 * throughout, which is imbalance (too few tasks for the workers).
 */
function idleOfPositions(tasks: readonly TimedTask[], workers: number, phaseStartUs: number, phaseEndUs: number): { startupMs: number; dispatchMs: number } {
  const byLane = new Map<number, TimedTask[]>();
  for (const task of tasks) {
    let lane = byLane.get(task.lane);
    if (!lane) byLane.set(task.lane, (lane = []));
    lane.push(task);
  }
  const lanes = [...byLane.values()];
  for (const lane of lanes) {
    for (let i = 1; i < lane.length; i++) {
      if (lane[i].startUs < lane[i - 1].startUs) {
        lane.sort((a, b) => a.startUs - b.startUs);
        break;
      }
    }
  }
  lanes.sort((a, b) => a[0].startUs - b[0].startUs);
  const positions: { lastEndUs: number }[] = [];
  let startupUs = 0;
  let dispatchUs = 0;
  for (const lane of lanes) {
    const firstStart = lane[0].startUs;
    // The position that fell free last before this lane began: a replacement continues the worker it replaced.
    let chosen: { lastEndUs: number } | undefined;
    for (const position of positions) if (position.lastEndUs <= firstStart && (!chosen || position.lastEndUs > chosen.lastEndUs)) chosen = position;
    if (!chosen && positions.length >= workers) {
      // More lanes at once than workers (should not happen): join the one that frees first, without negative gaps.
      chosen = positions.reduce((first, position) => (position.lastEndUs < first.lastEndUs ? position : first));
    }
    if (chosen) dispatchUs += Math.max(0, firstStart - chosen.lastEndUs);
    else {
      chosen = { lastEndUs: 0 };
      positions.push(chosen);
      startupUs += Math.max(0, firstStart - phaseStartUs);
    }
    let previousEnd = firstStart;
    for (const task of lane) {
      dispatchUs += Math.max(0, task.startUs - previousEnd);
      previousEnd = Math.max(previousEnd, task.endUs);
    }
    chosen.lastEndUs = Math.min(previousEnd, phaseEndUs);
  }
  return { startupMs: startupUs / 1000, dispatchMs: dispatchUs / 1000 };
}

/** The one sentence the account leads with: the largest loss and what to do about it. */
function adviceFor(key: AccountSegmentKey, ms: number, input: AccountInput, detail: { cpuRatio?: number; unmatchedTasks: number }): string {
  const W = input.parallel.workers;
  const amount = formatDuration(ms);
  const others = input.parallel.otherCpuCores;
  switch (key) {
    case 'contention':
      return detail.cpuRatio !== undefined
        ? l10n.t(
            'Contention costs {0}: the tasks used {1}× the CPU in parallel than alone, competing for something shared (memory bandwidth, the allocator and garbage collector, a lock). Allocate less per task, or compare fewer workers and the processes backend.',
            amount,
            detail.cpuRatio.toFixed(2),
          )
        : l10n.t(
            'Contention costs {0}: the tasks used more the CPU in parallel than alone, competing for something shared (memory bandwidth, the allocator and garbage collector, a lock). Allocate less per task, or compare fewer workers and the processes backend.',
            amount,
          );
    case 'cpu-wait':
      return others !== undefined && others >= 0.25
        ? l10n.t(
            "Waiting for a CPU costs {0}: the tasks were ready to run but had no core, with {1} workers on {2} cores and other programs using {3} cores (V8's garbage-collector threads need cores too). Use at most {2} workers, or run on a quieter machine.",
            amount,
            W,
            input.cores,
            others.toFixed(1),
          )
        : l10n.t(
            "Waiting for a CPU costs {0}: the tasks were ready to run but had no core, with {1} workers on {2} cores (V8's garbage-collector threads need cores too). Use at most {2} workers.",
            amount,
            W,
            input.cores,
          );
    case 'blocked':
      return l10n.t('Blocking costs {0}: in parallel the tasks spent more time neither running nor ready (sleeping, I/O, locks that sleep) than alone, so something they share serialises them.', amount);
    case 'slowdown':
      return l10n.t('The tasks ran slower in parallel than alone ({0}); this platform gives no per-task CPU figures to tell contention from waiting for a CPU.', amount);
    case 'unmatched':
      if (!input.serial) return l10n.t("There is no serial run to compare with (compareWithSerial is off), so the tasks' {0} cannot be split into work and slowdown.", amount);
      return detail.unmatchedTasks === 1
        ? l10n.t('1 task failed or have no serial time, so {0} of the parallel time cannot be compared with the serial run.', amount)
        : l10n.t('{0} tasks failed or have no serial time, so {1} of the parallel time cannot be compared with the serial run.', detail.unmatchedTasks, amount);
    case 'startup':
      return l10n.t('Start-up costs {0}: workers began their first task late (threads or processes booting, the module loading). A warm pool (a second run) or more work per run makes it a smaller share.', amount);
    case 'dispatch':
      return l10n.t('Dispatch costs {0}: workers sat idle between tasks waiting for the next one. Give each task more work, or set chunkSize so tiny tasks travel in chunks.', amount);
    case 'imbalance':
      return l10n.t(
        'Imbalance costs {0}: workers sat idle after their last task while others finished (uneven tasks, input order, or too few tasks for {1} workers). Put the longest tasks first, or split the work into more, smaller tasks.',
        amount,
        W,
      );
    default:
      return '';
  }
}

/**
 * P = ΣSᵢ/W + Σ(pᵢ − Sᵢ)/W + start-up/W + dispatch gaps/W + imbalance/W, from W·P = Σpᵢ + Σ(idle of each worker position).
 * Σ(pᵢ − Sᵢ) is split by each task's CPU and wait into contention, waiting for a CPU and blocked where both runs measured
 * them. Imbalance is what remains of the idle time after start-up and gaps, so the terms add up to P exactly.
 */
export function accountFor(input: AccountInput): RunAccount {
  const { parallel, serial } = input;
  const W = parallel.workers;
  const P = parallel.wallMs;
  const serialByIndex = new Map<number, TaskRecord>();
  for (const task of input.serialTasks ?? []) serialByIndex.set(task.index, task);

  let workMs = 0;
  let contentionMs = 0;
  let cpuWaitMs = 0;
  let blockedMs = 0;
  let slowdownMs = 0;
  let unmatchedMs = 0;
  let unmatchedTasks = 0;
  let cpuParallel = 0;
  let cpuSerial = 0;
  let unsplit = 0;
  let splitTasks = 0;
  const timedTasks: TimedTask[] = [];
  let busyMs = 0;
  for (const task of input.parallelTasks) {
    const t = timed(task);
    if (!t) continue;
    timedTasks.push(t);
    busyMs += t.ms;
    const alone = serialByIndex.get(task.index);
    if (!alone || alone.durationMs === undefined || alone.status !== 'ok' || task.status !== 'ok') {
      unmatchedMs += t.ms;
      unmatchedTasks++;
      continue;
    }
    workMs += alone.durationMs;
    const difference = t.ms - alone.durationMs;
    if (task.cpuMs !== undefined && task.waitMs !== undefined && alone.cpuMs !== undefined && alone.waitMs !== undefined) {
      contentionMs += task.cpuMs - alone.cpuMs;
      cpuWaitMs += task.waitMs - alone.waitMs;
      blockedMs += difference - (task.cpuMs - alone.cpuMs) - (task.waitMs - alone.waitMs);
      cpuParallel += task.cpuMs;
      cpuSerial += alone.cpuMs;
      splitTasks++;
    } else {
      slowdownMs += difference;
      unsplit++;
    }
  }
  const { startupMs, dispatchMs } = idleOfPositions(timedTasks, W, parallel.startUs, parallel.endUs);
  // W·P = Σpᵢ + idle: what start-up and gaps do not explain is the positions' time after their last task.
  const imbalanceMs = W * P - busyMs - startupMs - dispatchMs;

  const raw: Record<AccountSegmentKey, number> = {
    work: workMs,
    contention: contentionMs,
    'cpu-wait': cpuWaitMs,
    blocked: blockedMs,
    slowdown: slowdownMs,
    unmatched: unmatchedMs,
    startup: startupMs,
    dispatch: dispatchMs,
    imbalance: imbalanceMs,
  };
  // Terms no task could be split into are marked, so a reader of the JSON never takes their 0 for a measurement.
  const split = splitTasks > 0;
  const notMeasured = new Set<AccountSegmentKey>(split ? [] : serial ? ['contention', 'cpu-wait', 'blocked'] : ['work', 'contention', 'cpu-wait', 'blocked', 'slowdown']);
  const segments: AccountSegment[] = SEGMENT_ORDER.map((key) => (notMeasured.has(key) ? { key, ms: raw[key] / W, notMeasured: true } : { key, ms: raw[key] / W }));
  const total = segments.reduce((sum, segment) => sum + segment.ms, 0);
  const unavailable: string[] = [];
  if (!serial) {
    unavailable.push(l10n.t('work, contention, waiting for a CPU and blocked: there is no serial run to compare each task with (compareWithSerial is off).'));
  } else if (unsplit > 0) {
    // Some tasks with figures means the platform measures them: the others followed a tiny task on their worker.
    const hasFigures = (task: TaskRecord) => task.cpuMs !== undefined;
    const platformMeasures = input.parallelTasks.some(hasFigures) || (input.serialTasks ?? []).some(hasFigures);
    if (platformMeasures) {
      unavailable.push(
        unsplit === 1
          ? l10n.t('contention, waiting for a CPU and blocked for 1 task: each came right after a task under 0.1 ms on its worker, and tasks that small are not timed on the CPU clock, since reading it twice costs as much as the task, so their slowdown is one term.')
          : l10n.t(
              'contention, waiting for a CPU and blocked for {0} tasks: each came right after a task under 0.1 ms on its worker, and tasks that small are not timed on the CPU clock, since reading it twice costs as much as the task, so their slowdown is one term.',
              unsplit,
            ),
      );
    } else {
      unavailable.push(
        unsplit === 1
          ? l10n.t('contention, waiting for a CPU and blocked for 1 task: per-task CPU and wait were not measured on this platform, so their slowdown is one term.')
          : l10n.t('contention, waiting for a CPU and blocked for {0} tasks: per-task CPU and wait were not measured on this platform, so their slowdown is one term.', unsplit),
      );
    }
  }
  const losses = segments.filter((segment) => segment.key !== 'work' && segment.ms > 0);
  const largest = losses.reduce<AccountSegment | undefined>((most, segment) => (!most || segment.ms > most.ms ? segment : most), undefined);
  const account: RunAccount = {
    workers: W,
    serialRepeat: serial?.repeat ?? -1,
    parallelRepeat: parallel.repeat,
    parallelMs: P,
    idealMs: workMs / W,
    segments,
    residualMs: P - total,
    unavailable,
  };
  if (largest) {
    const cpuRatio = cpuSerial > 0 ? cpuParallel / cpuSerial : undefined;
    account.largestLoss = { key: largest.key, ms: largest.ms, advice: adviceFor(largest.key, largest.ms, input, { cpuRatio, unmatchedTasks }) };
  }
  return account;
}

/** The account of a report's parallel phase against the serial phase of the same pair (or none). */
export function accountOfPhase(phases: readonly PhaseRun[], tasks: readonly TaskRecord[], parallel: PhaseRun, cores: number): RunAccount {
  const serial = phases.find((run) => run.phase === 'serial' && run.repeat === parallel.repeat) ?? phases.find((run) => run.phase === 'serial');
  const parallelTasks: TaskRecord[] = [];
  const serialTasks: TaskRecord[] = [];
  for (const task of tasks) {
    if (task.phase === 'parallel' && task.repeat === parallel.repeat) parallelTasks.push(task);
    else if (serial && task.phase === 'serial' && task.repeat === serial.repeat) serialTasks.push(task);
  }
  return accountFor({ parallel, parallelTasks, serial, serialTasks: serial ? serialTasks : undefined, cores });
}
