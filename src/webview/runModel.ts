// The page's view of one run: a finished RunReport, or one being assembled from live RunEvents.
import type { RunEvent } from '../shared/events';
import type { LaneRecord, LogLine, PhaseRun, RunAccount, RunPhase, RunReport, TaskError, TaskRecord, TaskStatus } from '../shared/report';

/** A task as the page shows it: live tasks can still be queued or running. */
export type ViewTaskStatus = TaskStatus | 'running' | 'queued';

export interface ViewTask {
  key: string;
  index: number;
  phase: RunPhase;
  repeat: number;
  lane: number;
  pid: number;
  threadId: number;
  queuedUs?: number;
  startUs?: number;
  endUs?: number;
  durationMs?: number;
  status: ViewTaskStatus;
  argsPreview?: string;
  resultPreview?: string;
  error?: TaskError;
  logs: LogLine[];
  logsTruncated?: boolean;
  cpuMs?: number;
  waitMs?: number;
}

export interface ViewLane {
  lane: number;
  pid: number;
  threadId: number;
  utilization?: number;
}

export interface ViewPhase {
  key: string;
  phase: RunPhase;
  repeat: number;
  workers?: number;
  totalTasks?: number;
  startUs?: number;
  endUs?: number;
  wallMs?: number;
  status: PhaseRun['status'] | 'running';
  lanes: Map<number, ViewLane>;
  otherCpuCores?: number;
  ownCpuCores?: number;
  account?: RunAccount;
}

export type RunStatus = RunReport['status'];

export function taskKey(phase: RunPhase, repeat: number, index: number): string {
  return `${phase}:${repeat}:${index}`;
}

function phaseKey(phase: RunPhase, repeat: number): string {
  return `${phase}:${repeat}`;
}

const PHASE_ORDER: Record<RunPhase, number> = { serial: 0, parallel: 1 };

function compareTasks(a: ViewTask, b: ViewTask): number {
  return PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase] || a.repeat - b.repeat || a.index - b.index;
}

export class RunModel {
  report: RunReport | undefined;
  /** Bumped on every change, so renderers can skip work when nothing moved. */
  revision = 0;
  /** This run was (or is being) followed through live events, not only shown as a finished report. */
  fromLiveRun = false;
  /** Latest clock reading seen in any event (µs). */
  latestUs = 0;
  /** The report clock (µs) at a local performance.now() (ms): lets running bars keep growing between events. */
  private clockAnchor: { us: number; localMs: number } | undefined;
  private readonly tasks = new Map<string, ViewTask>();
  private readonly phases = new Map<string, ViewPhase>();
  private taskList: ViewTask[] | undefined;
  /** Warm-up phases are not part of the report, so their task events are ignored. */
  private inWarmup = false;

  get status(): RunStatus | undefined {
    return this.report?.status;
  }

  clear(): void {
    this.fromLiveRun = false;
    this.report = undefined;
    this.tasks.clear();
    this.phases.clear();
    this.latestUs = 0;
    this.clockAnchor = undefined;
    this.inWarmup = false;
    this.changed();
  }

  setReport(report: RunReport): void {
    this.fromLiveRun = report.status === 'running' || (this.fromLiveRun && report.id === this.report?.id);
    this.tasks.clear();
    this.phases.clear();
    this.report = report;
    this.latestUs = 0;
    this.clockAnchor = undefined;
    this.inWarmup = false;
    for (const phase of report.phases ?? []) this.putPhase(phase);
    for (const task of report.tasks ?? []) this.putTask(task);
    if (report.status !== 'running') {
      // A finished run whose report lists tasks of a phase it has no PhaseRun for (it failed or was cancelled early).
      for (const phase of this.phases.values()) if (phase.status === 'running') phase.status = report.status === 'completed' ? 'completed' : report.status;
    }
    this.changed();
  }

  applyEvents(events: RunEvent[]): void {
    for (const event of events) this.applyEvent(event);
  }

  applyEvent(event: RunEvent): void {
    switch (event.type) {
      case 'run-started':
        this.setReport(event.report);
        return;
      case 'run-finished':
        this.setReport(event.report);
        return;
      case 'phase-started': {
        this.inWarmup = event.warmup;
        if (event.warmup) return;
        const phase = this.phaseFor(event.phase, event.repeat);
        phase.workers = event.workers;
        phase.totalTasks = event.totalTasks;
        phase.status = 'running';
        break;
      }
      case 'task-queued': {
        if (this.inWarmup) return;
        const key = taskKey(event.phase, event.repeat, event.index);
        if (!this.tasks.has(key)) {
          this.tasks.set(key, {
            key,
            index: event.index,
            phase: event.phase,
            repeat: event.repeat,
            lane: -1,
            pid: 0,
            threadId: 0,
            queuedUs: event.queuedUs,
            status: 'queued',
            logs: [],
          });
        }
        this.phaseFor(event.phase, event.repeat);
        this.seen(event.queuedUs);
        break;
      }
      case 'task-started': {
        if (this.inWarmup) return;
        const key = taskKey(event.phase, event.repeat, event.index);
        const existing = this.tasks.get(key);
        // A late start announcement must not turn a finished task back into a running one.
        if (existing && existing.status !== 'queued' && existing.status !== 'running') return;
        // A new object, not an edit: the table reuses a drawn row only while its task object is the same.
        this.tasks.set(key, {
          key,
          index: event.index,
          phase: event.phase,
          repeat: event.repeat,
          lane: event.lane,
          pid: event.pid,
          threadId: event.threadId,
          queuedUs: existing?.queuedUs,
          startUs: event.startUs,
          status: 'running',
          argsPreview: existing?.argsPreview,
          logs: existing?.logs ?? [],
        });
        const phase = this.phaseFor(event.phase, event.repeat);
        if (!phase.lanes.has(event.lane) && event.lane >= 0) {
          phase.lanes.set(event.lane, { lane: event.lane, pid: event.pid, threadId: event.threadId });
        }
        this.seen(event.startUs);
        break;
      }
      case 'task-finished': {
        if (this.inWarmup) return;
        this.putTask(event.task);
        break;
      }
      case 'lane-ready': {
        if (this.inWarmup) return;
        this.phaseFor(event.phase, event.repeat).lanes.set(event.lane.lane, toViewLane(event.lane));
        break;
      }
      case 'phase-finished': {
        if (this.inWarmup) return;
        this.putPhase(event.phase);
        break;
      }
    }
    this.changed();
  }

  /** All tasks, in a stable order (phase, repeat, index); the array is cached until the next change. */
  allTasks(): ViewTask[] {
    if (!this.taskList) {
      const list = [...this.tasks.values()];
      // Reports and live runs almost always deliver tasks in this order already: check before paying for a sort.
      let sorted = true;
      for (let i = 1; i < list.length && sorted; i++) sorted = compareTasks(list[i - 1], list[i]) <= 0;
      this.taskList = sorted ? list : list.sort(compareTasks);
    }
    return this.taskList;
  }

  allPhases(): ViewPhase[] {
    return [...this.phases.values()].sort((a, b) => PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase] || a.repeat - b.repeat);
  }

  /** Distinct repeat numbers seen in any phase. */
  repeats(): number[] {
    return [...new Set(this.allPhases().map((p) => p.repeat))].sort((a, b) => a - b);
  }

  /**
   * Whether the repeats are serial/parallel pairs (each parallel run has a serial run of its own repeat), as opposed to
   * a sweep's one serial run and a parallel run per worker count, or parallel runs alone.
   */
  repeatsArePairs(): boolean {
    const phases = this.allPhases();
    // A live run's first serial run, before any parallel one, already starts a pair.
    const parallel = phases.filter((p) => p.phase === 'parallel');
    return phases.some((p) => p.phase === 'serial') && parallel.every((p) => phases.some((s) => s.phase === 'serial' && s.repeat === p.repeat));
  }

  /** The account of one parallel run against its serial pair: its own, or for the latest pair the summary's. */
  accountFor(repeat: number): RunAccount | undefined {
    const own = this.phases.get(phaseKey('parallel', repeat))?.account;
    if (own) return own;
    const summary = this.report?.status === 'running' ? undefined : this.report?.summary?.account;
    return summary && summary.parallelRepeat === repeat ? summary : undefined;
  }

  /**
   * The phase of this kind to show for the chosen repeat: that repeat, or for the serial run the nearest earlier one (a
   * sweep runs serial once). A parallel run never stands in for another: while pair 2's serial run is live, pair 1's
   * parallel run beside it would read as its partner.
   */
  phaseToShow(phase: RunPhase, repeat: number): ViewPhase | undefined {
    const candidates = this.allPhases().filter((p) => p.phase === phase);
    const exact = candidates.find((p) => p.repeat === repeat);
    if (exact || phase === 'parallel') return exact;
    const earlier = candidates.filter((p) => p.repeat <= repeat);
    return earlier[earlier.length - 1] ?? candidates[0];
  }

  phase(phase: RunPhase, repeat: number): ViewPhase | undefined {
    return this.phases.get(phaseKey(phase, repeat));
  }

  /** The µs every time in this phase is measured from: its recorded start, else its earliest task. */
  phaseOriginUs(phase: RunPhase, repeat: number): number {
    const view = this.phases.get(phaseKey(phase, repeat));
    if (view?.startUs !== undefined) return view.startUs;
    let origin = Infinity;
    for (const task of this.tasks.values()) {
      if (task.phase !== phase || task.repeat !== repeat) continue;
      const first = Math.min(task.queuedUs ?? Infinity, task.startUs ?? Infinity);
      if (first < origin) origin = first;
    }
    return Number.isFinite(origin) ? origin : 0;
  }

  /** Mean wall time of the finished phases of one kind, for live summary cards before the report's summary exists. */
  meanWallMs(phase: RunPhase): number | undefined {
    const walls = this.allPhases()
      .filter((p) => p.phase === phase && p.wallMs !== undefined && p.status !== 'running')
      .map((p) => p.wallMs as number);
    return walls.length ? walls.reduce((a, b) => a + b, 0) / walls.length : undefined;
  }

  counts(): { total: number; finished: number; failed: number; running: number } {
    let finished = 0;
    let failed = 0;
    let running = 0;
    for (const task of this.tasks.values()) {
      if (task.status === 'running') running++;
      else if (task.status !== 'queued') {
        finished++;
        if (task.status !== 'ok') failed++;
      }
    }
    // A phase announces how many tasks it will run; count whichever is larger, the announcement or what arrived.
    const seenPerPhase = new Map<string, number>();
    for (const task of this.tasks.values()) {
      const key = phaseKey(task.phase, task.repeat);
      seenPerPhase.set(key, (seenPerPhase.get(key) ?? 0) + 1);
    }
    let total = 0;
    for (const [key, seen] of seenPerPhase) total += Math.max(seen, this.phases.get(key)?.totalTasks ?? 0);
    for (const phase of this.phases.values()) if (!seenPerPhase.has(phase.key)) total += phase.totalTasks ?? 0;
    return { total, finished, failed, running };
  }

  /** What to keep in webview state: the report, with the finished tasks and phases seen so far when a run is live. */
  toReport(): RunReport | undefined {
    if (!this.report) return undefined;
    if (this.report.status !== 'running') return this.report;
    const tasks: TaskRecord[] = [];
    for (const task of this.allTasks()) {
      if (task.status === 'queued' || task.status === 'running') continue;
      tasks.push(toTaskRecord(task));
    }
    const phases: PhaseRun[] = [];
    for (const phase of this.allPhases()) {
      if (phase.status === 'running' || phase.startUs === undefined || phase.endUs === undefined) continue;
      phases.push({
        phase: phase.phase,
        repeat: phase.repeat,
        workers: phase.workers ?? phase.lanes.size,
        startUs: phase.startUs,
        endUs: phase.endUs,
        wallMs: phase.wallMs ?? (phase.endUs - phase.startUs) / 1000,
        lanes: [...phase.lanes.values()].map((l) => ({ lane: l.lane, pid: l.pid, threadId: l.threadId, busyMs: 0, utilization: l.utilization ?? 0, tasks: 0 })),
        status: phase.status,
        otherCpuCores: phase.otherCpuCores,
        ownCpuCores: phase.ownCpuCores,
        account: phase.account,
      });
    }
    return { ...this.report, tasks, phases };
  }

  private putTask(task: TaskRecord): void {
    const key = taskKey(task.phase, task.repeat, task.index);
    this.tasks.set(key, viewTask(task, key));
    const phase = this.phaseFor(task.phase, task.repeat);
    if (task.lane >= 0 && !phase.lanes.has(task.lane)) {
      phase.lanes.set(task.lane, { lane: task.lane, pid: task.pid, threadId: task.threadId });
    }
    this.seen(task.endUs ?? task.startUs ?? task.queuedUs);
  }

  private putPhase(run: PhaseRun): void {
    const phase = this.phaseFor(run.phase, run.repeat);
    phase.workers = run.workers;
    phase.startUs = run.startUs;
    phase.endUs = run.endUs;
    phase.wallMs = run.wallMs;
    phase.status = run.status;
    phase.otherCpuCores = run.otherCpuCores;
    phase.ownCpuCores = run.ownCpuCores;
    phase.account = run.account;
    for (const lane of run.lanes ?? []) phase.lanes.set(lane.lane, toViewLane(lane));
    this.seen(run.endUs);
  }

  private phaseFor(phase: RunPhase, repeat: number): ViewPhase {
    const key = phaseKey(phase, repeat);
    let view = this.phases.get(key);
    if (!view) {
      view = { key, phase, repeat, status: 'running', lanes: new Map() };
      this.phases.set(key, view);
    }
    return view;
  }

  /** The report clock now, estimated from the latest event and the time since: where running bars end. */
  liveNowUs(): number {
    if (this.report?.status !== 'running' || !this.clockAnchor) return this.latestUs;
    return Math.max(this.latestUs, this.clockAnchor.us + (performance.now() - this.clockAnchor.localMs) * 1000);
  }

  private seen(us: number | undefined): void {
    if (us === undefined || us <= this.latestUs) return;
    // Re-anchor only when an event is ahead of the estimate, so running bars never shrink back.
    if (us > this.liveNowUs()) this.clockAnchor = { us, localMs: performance.now() };
    this.latestUs = us;
  }

  private changed(): void {
    this.taskList = undefined;
    this.revision++;
  }
}

/**
 * The page's copy of a finished task, field by field: a spread of each of 10,000 records cost most of a report's
 * model build (objects of many shapes, and garbage to collect).
 */
function viewTask(task: TaskRecord, key: string): ViewTask {
  return {
    key,
    index: task.index,
    phase: task.phase,
    repeat: task.repeat,
    lane: task.lane,
    pid: task.pid,
    threadId: task.threadId,
    queuedUs: task.queuedUs,
    startUs: task.startUs,
    endUs: task.endUs,
    durationMs: task.durationMs,
    status: task.status,
    argsPreview: task.argsPreview,
    resultPreview: task.resultPreview,
    error: task.error,
    logs: task.logs ?? [],
    logsTruncated: task.logsTruncated,
    cpuMs: task.cpuMs,
    waitMs: task.waitMs,
  };
}

function toViewLane(lane: LaneRecord): ViewLane {
  return { lane: lane.lane, pid: lane.pid, threadId: lane.threadId, utilization: lane.utilization };
}

function toTaskRecord(task: ViewTask): TaskRecord {
  const { key: _key, status, ...rest } = task;
  return { ...rest, argsPreview: task.argsPreview ?? '', queuedUs: task.queuedUs ?? task.startUs ?? 0, status: status as TaskStatus };
}

/**
 * A task's time neither on a CPU nor waiting for one (sleep, I/O, locks that sleep): wall − CPU − wait. Undefined without
 * both figures; clocks read a few µs apart can make it dip below zero, which means none.
 */
export function blockedMs(task: { durationMs?: number; cpuMs?: number; waitMs?: number }): number | undefined {
  if (task.durationMs === undefined || task.cpuMs === undefined || task.waitMs === undefined) return undefined;
  return Math.max(0, task.durationMs - task.cpuMs - task.waitMs);
}
