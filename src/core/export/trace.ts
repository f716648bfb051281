// The run in Trace Event Format (JSON object form), for Perfetto (ui.perfetto.dev) and chrome://tracing.
import * as l10n from '@vscode/l10n';
import type { PhaseRun, RunPhase, RunReport, TaskRecord } from '../../shared/report';
import { blockedMs, phaseRunOf } from '../format';

export interface TraceEvent {
  name: string;
  /** X = complete span, i = instant, M = metadata */
  ph: 'X' | 'i' | 'M';
  pid: number;
  tid: number;
  /** µs */
  ts?: number;
  /** µs, on X events */
  dur?: number;
  cat?: string;
  /** Instant-event scope: t = thread */
  s?: 't';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string | number | boolean>;
}

/** Console lines beyond this many per task are left out of the trace (they stay in the JSON export). */
const MAX_LOG_EVENTS_PER_TASK = 50;
/** The track in each run group that holds the run's own wall-time span; lanes use lane + 1. */
const WALL_TIME_TID = 0;

/**
 * One trace process per phase run (the serial run, each parallel repeat) so they sit as separate, time-ordered
 * track groups even when they share a real PID; one thread track per lane, named with the real `PID p · thread t`.
 * Each task is an X event; its console lines are instant events on the same track.
 */
export function toChromeTrace(report: RunReport): ChromeTrace {
  const events: TraceEvent[] = [];
  const groups = runGroups(report);
  groups.forEach((group, order) => {
    const pid = order + 1;
    const { run } = group;
    events.push(
      { name: 'process_name', ph: 'M', pid, tid: 0, args: { name: groupName(report, group) } },
      { name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: order } },
      { name: 'thread_name', ph: 'M', pid, tid: WALL_TIME_TID, args: { name: l10n.t('wall time') } },
      { name: 'thread_sort_index', ph: 'M', pid, tid: WALL_TIME_TID, args: { sort_index: -1 } },
    );
    if (run) {
      events.push({
        name: run.phase === 'serial' ? l10n.t('serial run') : l10n.t('parallel run'),
        cat: 'phase',
        ph: 'X',
        pid,
        tid: WALL_TIME_TID,
        ts: micros(run.startUs),
        dur: micros(Math.max(0, run.endUs - run.startUs)),
        args: {
          phase: run.phase,
          repeat: run.repeat,
          workers: run.workers,
          wallMs: run.wallMs,
          status: run.status,
          ...(run.otherCpuCores !== undefined ? { otherCpuCores: run.otherCpuCores, ownCpuCores: run.ownCpuCores } : {}),
          ...(run.account ? { account: Object.fromEntries(run.account.segments.map((segment) => [segment.key, segment.ms])) } : {}),
        },
      });
    }
    for (const lane of laneIdentities(group)) {
      events.push(
        { name: 'thread_name', ph: 'M', pid, tid: lane.lane + 1, args: { name: l10n.t('PID {0} · thread {1}', lane.pid, lane.threadId) } },
        { name: 'thread_sort_index', ph: 'M', pid, tid: lane.lane + 1, args: { sort_index: lane.lane } },
      );
    }
    for (const task of group.tasks) {
      if (task.lane < 0 || task.startUs === undefined) continue; // never reached a worker: nothing to draw
      const tid = task.lane + 1;
      const endUs = task.endUs ?? run?.endUs ?? task.startUs;
      events.push({
        name: `${report.target.name}(${truncate(task.argsPreview, 60)})`,
        cat: task.phase,
        ph: 'X',
        pid,
        tid,
        ts: micros(task.startUs),
        dur: micros(Math.max(0, endUs - task.startUs)),
        args: taskArgs(task),
      });
      for (const log of task.logs.slice(0, MAX_LOG_EVENTS_PER_TASK)) {
        events.push({
          name: truncate(log.text.trim(), 80) || l10n.t('(empty line)'),
          cat: 'log',
          ph: 'i',
          s: 't',
          pid,
          tid,
          ts: micros(log.timeUs),
          args: { stream: log.stream, text: log.text, task: task.index },
        });
      }
    }
  });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: {
      tool: `${report.tool.name} ${report.tool.version}`,
      target: `${report.target.name} (${report.target.file}:${report.target.line})`,
      backend: report.options.backend,
      workers: report.options.workers,
      createdAt: report.createdAt,
      status: report.status,
      ...(report.summary.speedup !== undefined ? { speedup: Number(report.summary.speedup.toFixed(3)) } : {}),
    },
  };
}

interface RunGroup {
  phase: RunPhase;
  repeat: number;
  run?: PhaseRun;
  tasks: TaskRecord[];
  repeatsOfPhase: number;
}

/**
 * Phase runs in time order, each with its tasks (a worker sweep has several runs per repeat, told apart by time);
 * tasks whose phase run is missing (a cancelled run) still get a group.
 */
function runGroups(report: RunReport): RunGroup[] {
  const groups = new Map<PhaseRun | string, RunGroup>();
  for (const run of report.phases) groups.set(run, { phase: run.phase, repeat: run.repeat, run, tasks: [], repeatsOfPhase: 0 });
  for (const task of report.tasks) {
    const key = phaseRunOf(report, task) ?? `${task.phase}#${task.repeat}`;
    let group = groups.get(key);
    if (!group) {
      group = { phase: task.phase, repeat: task.repeat, tasks: [], repeatsOfPhase: 0 };
      groups.set(key, group);
    }
    group.tasks.push(task);
  }
  const list = [...groups.values()];
  for (const group of list) {
    group.repeatsOfPhase = list.filter((other) => other.phase === group.phase && other.run?.workers === group.run?.workers).length;
  }
  // reduce, not Math.min(...list): spreading a list of 100,000+ tasks overflows the call stack.
  const startOf = (group: RunGroup) => group.run?.startUs ?? group.tasks.reduce((earliest, task) => Math.min(earliest, task.queuedUs), Infinity);
  return list.sort((a, b) => startOf(a) - startOf(b));
}

function groupName(report: RunReport, group: RunGroup): string {
  const repeat = group.repeatsOfPhase > 1 ? ` · ${l10n.t('repeat {0}', group.repeat + 1)}` : '';
  if (group.phase === 'serial') return l10n.t('Serial run') + repeat;
  const workers = group.run?.workers ?? report.options.workers;
  const processes = report.options.backend === 'processes';
  let kind: string;
  if (workers === 1) kind = processes ? l10n.t('Parallel run · 1 child process') : l10n.t('Parallel run · 1 worker thread');
  else kind = processes ? l10n.t('Parallel run · {0} child processes', workers) : l10n.t('Parallel run · {0} worker threads', workers);
  return kind + repeat;
}

/** Lanes from the phase run, completed by any lane only the tasks mention. */
function laneIdentities(group: RunGroup): { lane: number; pid: number; threadId: number }[] {
  const lanes = new Map<number, { lane: number; pid: number; threadId: number }>();
  for (const lane of group.run?.lanes ?? []) lanes.set(lane.lane, { lane: lane.lane, pid: lane.pid, threadId: lane.threadId });
  for (const task of group.tasks) {
    if (task.lane >= 0 && !lanes.has(task.lane)) lanes.set(task.lane, { lane: task.lane, pid: task.pid, threadId: task.threadId });
  }
  return [...lanes.values()].sort((a, b) => a.lane - b.lane);
}

function taskArgs(task: TaskRecord): Record<string, unknown> {
  return {
    index: task.index,
    args: task.argsPreview,
    status: task.status,
    pid: task.pid,
    threadId: task.threadId,
    repeat: task.repeat,
    ...(task.durationMs !== undefined ? { durationMs: task.durationMs } : {}),
    ...(task.cpuMs !== undefined ? { cpuMs: task.cpuMs, waitMs: task.waitMs, blockedMs: blockedMs(task) } : {}),
    ...(task.resultPreview !== undefined ? { result: task.resultPreview } : {}),
    ...(task.error ? { error: `${task.error.name}: ${task.error.message}` } : {}),
    ...(task.error?.location ? { errorLocation: `${task.error.location.file}:${task.error.location.line}:${task.error.location.column}` } : {}),
    queuedUs: task.queuedUs,
  };
}

/** µs rounded to nanoseconds: keeps the JSON short without moving anything visibly. */
function micros(us: number): number {
  return Math.round(us * 1000) / 1000;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
