// The typed message protocol between the extension host and the webview panel.
import type { RunEvent } from './events';
import type { RunReport } from './report';

export type ExportFormat = 'json' | 'csv' | 'trace' | 'html';

export type ToWebviewMessage =
  /** A whole report (on open, after reload, or at the end of a run). */
  | { type: 'report'; report: RunReport }
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
