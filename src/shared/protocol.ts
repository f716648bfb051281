// The typed message protocol between the extension host and the webview panel.
import type { RunComparison } from './comparison';
import type { RunEvent } from './events';
import type { HistoryEntry } from './history';
import type { RunReport, TaskRecord } from './report';

export type ExportFormat = 'json' | 'csv' | 'trace' | 'html';

export type ToWebviewMessage =
  /**
   * A whole report (on open, after reload, or at the end of a run). With tasksInParts, its tasks came just before in
   * 'report-tasks' messages and `report.tasks` is empty: the host serializes each message in one piece, so a report of
   * 100,000 tasks (~20 MB) goes in slices, with the host's event loop free between them.
   */
  | { type: 'report'; report: RunReport; tasksInParts?: boolean }
  /** A slice of the tasks of the report that follows, in order: `from` is the index of its first task. */
  | { type: 'report-tasks'; reportId: string; from: number; tasks: TaskRecord[] }
  /** Live progress, batched by the host (at most one post per animation-frame-ish interval). */
  | { type: 'events'; events: RunEvent[] }
  | { type: 'clear' }
  /** The history of the shown run's function (newest last), its baseline and which run is shown; entries empty when none is kept. */
  | { type: 'history'; functionName: string; entries: HistoryEntry[]; baselineId?: string; shownId?: string; note?: string }
  /** The shown run against its baseline or a run picked to compare with; undefined clears it. */
  | { type: 'comparison'; comparison?: RunComparison; picked?: boolean };

export type FromWebviewMessage =
  | { type: 'ready' }
  | { type: 'export'; format: ExportFormat }
  | { type: 'rerun' }
  | { type: 'cancel' }
  | { type: 'open-location'; file: string; line: number; column: number }
  /** Make this run of the history its function's baseline. */
  | { type: 'set-baseline'; runId: string }
  | { type: 'clear-baseline' }
  /** Show this run of the history in full. */
  | { type: 'open-run'; runId: string }
  /** Compare two runs of the history: `currentId` against `baselineId`. */
  | { type: 'compare-runs'; baselineId: string; currentId: string };

/** What the page keeps in vscode.setState so a reload can restore it. */
export interface WebviewState {
  report?: RunReport;
}
