// The typed message protocol between the extension host and the webview panel.
import type { RunEvent } from './events';
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
  | { type: 'clear' };

export type FromWebviewMessage =
  | { type: 'ready' }
  | { type: 'export'; format: ExportFormat }
  | { type: 'rerun' }
  | { type: 'cancel' }
  | { type: 'open-location'; file: string; line: number; column: number };

/** What the page keeps in vscode.setState so a reload can restore it. */
export interface WebviewState {
  report?: RunReport;
}
