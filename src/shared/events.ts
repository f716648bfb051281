// Progress events the engine emits while a run is under way; the panel and status bar consume them.
import type { LaneRecord, PhaseRun, RunPhase, RunReport, TaskRecord } from './report';

export type RunEvent =
  | { type: 'run-started'; report: RunReport }
  | { type: 'phase-started'; phase: RunPhase; repeat: number; workers: number; totalTasks: number; warmup: boolean }
  | { type: 'task-queued'; phase: RunPhase; repeat: number; index: number; queuedUs: number }
  | { type: 'task-started'; phase: RunPhase; repeat: number; index: number; lane: number; pid: number; threadId: number; startUs: number }
  | { type: 'task-finished'; task: TaskRecord }
  | { type: 'lane-ready'; phase: RunPhase; repeat: number; lane: LaneRecord }
  | { type: 'phase-finished'; phase: PhaseRun }
  | { type: 'run-finished'; report: RunReport };
