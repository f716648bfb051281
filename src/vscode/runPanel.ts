// The webview panel that shows a run: waits for the page's 'ready', streams live events in batches, then the final report.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { renderPanelHtml } from '../shared/panelHtml';
import type { RunEvent } from '../shared/events';
import type { FromWebviewMessage, ToWebviewMessage, WebviewState } from '../shared/protocol';
import type { RunReport } from '../shared/report';

export const PANEL_VIEW_TYPE = 'parallelRunner.panel';
/** Live events are posted at most this often, in one 'events' message, so 10,000 tasks don't flood the page. */
export const EVENT_BATCH_MS = 80;
/**
 * At most this many events in one 'events' message. The extension host serializes a message in one piece: a backlog of
 * 100,000 tasks' events (~300,000, ~65 MB of JSON) in one message stalled the host for seconds. The rest waits for the
 * next message; a finished run's report replaces whatever is still waiting.
 */
export const MAX_EVENTS_PER_MESSAGE = 5_000;
/** A report with more tasks than this goes to the page in 'report-tasks' slices of this many, then the report itself. */
export const REPORT_SLICE_TASKS = 10_000;

export interface PanelHost {
  extensionUri: vscode.Uri;
  /** Export, rerun, cancel and open-location requests from the page. */
  onMessage(message: FromWebviewMessage): void;
}

/** What tests read to see the page answered the handshake and received what was posted. */
export interface PanelHandshake {
  /** 'ready' messages received (one per page load). */
  readyCount: number;
  /** Id of the last report the page was sent after saying 'ready'. */
  deliveredReportId?: string;
  /** Live events delivered to the page in the current or last run. */
  deliveredEvents: number;
  /** 'events' messages those came in (batched: far fewer than events). */
  eventMessages: number;
  /** Events in the largest of those messages (bounded by MAX_EVENTS_PER_MESSAGE). */
  largestEventMessage: number;
  visible: boolean;
}

export class RunPanel implements vscode.Disposable {
  static current: RunPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private report: RunReport | undefined;
  /** Every event of the live run, replayed to a page that loads mid-run; undefined when no run is live. */
  private liveEvents: RunEvent[] | undefined;
  private pending: RunEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** One 'events' message at a time: while the page is still taking one, the next batch grows instead. */
  private eventsInFlight = false;
  private disposed = false;
  /** Bumped by every report post, new run and page load: slices still being sent for an older one stop. */
  private reportPost = 0;
  /** The latest 'history' and 'comparison' messages, re-sent to a page that loads again (after a reload or being hidden). */
  private readonly sideMessages = new Map<'history' | 'comparison', ToWebviewMessage>();
  readonly handshake: PanelHandshake = { readyCount: 0, deliveredEvents: 0, eventMessages: 0, largestEventMessage: 0, visible: false };

  /** Shows the panel (creating it beside the editor when absent) without taking focus from the editor by default. */
  static createOrShow(host: PanelHost, options: { preserveFocus?: boolean } = {}): RunPanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    if (RunPanel.current) {
      RunPanel.current.panel.reveal(undefined, options.preserveFocus ?? true);
      return RunPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Parallel Runner', { viewColumn: column, preserveFocus: options.preserveFocus ?? true }, webviewOptions(host.extensionUri));
    RunPanel.current = new RunPanel(panel, host, undefined);
    return RunPanel.current;
  }

  /** Re-creates the panel VS Code restored after a reload, with the report the page had saved with setState. */
  static revive(panel: vscode.WebviewPanel, host: PanelHost, state: WebviewState | undefined): RunPanel {
    RunPanel.current?.dispose();
    panel.webview.options = webviewOptions(host.extensionUri);
    RunPanel.current = new RunPanel(panel, host, isReport(state?.report) ? state.report : undefined);
    return RunPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly host: PanelHost,
    restored: RunReport | undefined,
  ) {
    this.report = restored;
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'icon.png');
    if (restored) panel.title = panelTitle(restored.target.name);
    this.handshake.visible = panel.visible;
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      panel.onDidChangeViewState(() => {
        this.handshake.visible = panel.visible;
        // A hidden page is torn down (no retainContextWhenHidden); it says 'ready' again when shown.
        if (!panel.visible) this.ready = false;
      }),
    );
    panel.webview.html = this.html();
  }

  get lastReport(): RunReport | undefined {
    return this.report;
  }

  /** A new run (or one already under way, with its events so far): the page clears, then receives events as they come. */
  beginRun(targetName: string, eventsSoFar: RunEvent[] = []): void {
    this.reportPost++;
    this.panel.title = panelTitle(targetName);
    this.liveEvents = eventsSoFar.slice();
    this.pending = [];
    this.handshake.deliveredEvents = 0;
    this.handshake.eventMessages = 0;
    this.handshake.largestEventMessage = 0;
    if (this.ready) this.replay();
  }

  pushEvent(event: RunEvent): void {
    if (!this.liveEvents) return;
    this.liveEvents.push(event);
    if (!this.ready) return;
    this.pending.push(event);
    this.scheduleFlush();
  }

  /** The finished (or cancelled) run's report replaces the live view; events not yet posted are made moot by it. */
  showReport(report: RunReport): void {
    this.cancelFlush();
    this.pending = [];
    this.liveEvents = undefined;
    this.report = report;
    this.panel.title = panelTitle(report.target.name);
    if (this.ready) this.postReport(report);
  }

  /** History and comparison beside the report: posted now when the page is up, and again whenever it loads. */
  showSide(message: Extract<ToWebviewMessage, { type: 'history' | 'comparison' }>): void {
    this.sideMessages.set(message.type, message);
    if (this.ready) void this.post(message);
  }

  /** The run ended without a report (it failed before any task ran). */
  endRun(): void {
    this.flush(true);
    this.liveEvents = undefined;
  }

  reveal(preserveFocus = false): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (RunPanel.current === this) RunPanel.current = undefined;
    this.cancelFlush();
    this.panel.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private receive(raw: unknown): void {
    const message = asFromWebviewMessage(raw);
    if (!message) return;
    if (message.type === 'ready') {
      this.ready = true;
      this.handshake.readyCount++;
      this.replay();
      return;
    }
    this.host.onMessage(message);
  }

  /** Brings a freshly loaded page up to date: the live run's events so far, or the last report. */
  private replay(): void {
    this.pending = [];
    if (this.liveEvents) {
      this.post({ type: 'clear' });
      // A page that loads mid-run gets the events so far in messages of bounded size, like live ones.
      this.pending = this.liveEvents.slice();
      this.flush(true);
    } else if (this.report) {
      this.postReport(this.report);
    }
    for (const message of this.sideMessages.values()) void this.post(message);
  }

  private scheduleFlush(): void {
    if (this.eventsInFlight || this.disposed) return;
    this.flushTimer ??= setTimeout(() => this.flush(), EVENT_BATCH_MS);
  }

  private cancelFlush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private flush(force = false): void {
    this.cancelFlush();
    if (this.pending.length === 0 || !this.ready || (this.eventsInFlight && !force)) return;
    const events = this.pending.length > MAX_EVENTS_PER_MESSAGE ? this.pending.splice(0, MAX_EVENTS_PER_MESSAGE) : this.pending;
    if (events === this.pending) this.pending = [];
    this.postEvents(events);
  }

  private postEvents(events: RunEvent[]): void {
    this.eventsInFlight = true;
    void this.post({ type: 'events', events }).then((delivered) => {
      this.eventsInFlight = false;
      if (delivered) {
        this.handshake.deliveredEvents += events.length;
        this.handshake.eventMessages++;
        this.handshake.largestEventMessage = Math.max(this.handshake.largestEventMessage, events.length);
      }
      if (this.pending.length > 0) this.scheduleFlush();
    });
  }

  private postReport(report: RunReport): void {
    void this.sendReport(report, ++this.reportPost);
  }

  /** One message for a small report; a big one in slices, each posted once the page has taken the one before. */
  private async sendReport(report: RunReport, post: number): Promise<void> {
    let message: ToWebviewMessage = { type: 'report', report };
    if (report.tasks.length > REPORT_SLICE_TASKS) {
      for (let at = 0; at < report.tasks.length; at += REPORT_SLICE_TASKS) {
        const tasks = report.tasks.slice(at, at + REPORT_SLICE_TASKS);
        if (post !== this.reportPost || !(await this.post({ type: 'report-tasks', reportId: report.id, from: at, tasks }))) return;
      }
      message = { type: 'report', report: { ...report, tasks: [] }, tasksInParts: true };
    }
    if (post !== this.reportPost) return;
    if (await this.post(message)) this.handshake.deliveredReportId = report.id;
  }

  private post(message: ToWebviewMessage): Thenable<boolean> {
    // A disposed panel's webview throws on postMessage; nothing is lost since the panel is gone.
    try {
      return this.panel.webview.postMessage(message).then(undefined, () => false);
    } catch {
      return Promise.resolve(false);
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = this.host.extensionUri;
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(18).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'panel.css')).toString(),
      title: this.panel.title,
    });
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function panelTitle(targetName: string): string {
  return `${targetName} · Parallel Runner`;
}

function isReport(value: unknown): value is RunReport {
  return typeof value === 'object' && value !== null && typeof (value as RunReport).id === 'string' && Array.isArray((value as RunReport).tasks);
}

/** The page is ours, but its messages still cross a boundary: accept only well-formed ones. */
export function asFromWebviewMessage(raw: unknown): FromWebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'rerun':
    case 'cancel':
      return { type: message.type };
    case 'export':
      return message.format === 'json' || message.format === 'csv' || message.format === 'trace' || message.format === 'html' ? { type: 'export', format: message.format } : undefined;
    case 'clear-baseline':
      return { type: 'clear-baseline' };
    case 'set-baseline':
    case 'open-run':
      return typeof message.runId === 'string' && message.runId.length < 200 ? { type: message.type, runId: message.runId } : undefined;
    case 'compare-runs':
      return typeof message.baselineId === 'string' && typeof message.currentId === 'string' ? { type: 'compare-runs', baselineId: message.baselineId, currentId: message.currentId } : undefined;
    case 'open-location':
      return typeof message.file === 'string' && typeof message.line === 'number' && typeof message.column === 'number'
        ? { type: 'open-location', file: message.file, line: message.line, column: message.column }
        : undefined;
    default:
      return undefined;
  }
}
