// The panel page: receives reports and live events, renders summary, timeline, task table and sweep chart.
import type { ToWebviewMessage } from '../shared/protocol';
import type { RunReport } from '../shared/report';
import { el } from './dom';
import { connectHost, embeddedReport, type PanelHost } from './host';
import { RunModel } from './runModel';
import { renderSummary } from './summary';
import { renderSweepChart } from './sweepChart';
import { TaskTable } from './taskTable';
import { STATUS_LABELS, Timeline } from './timeline';

/** While a run is live, webview state is saved at most this often: serializing 10,000 tasks every frame would stall. */
const LIVE_STATE_SAVE_INTERVAL_MS = 1000;
const LIVE_TICK_MS = 200;

class PanelPage {
  private readonly model = new RunModel();
  private readonly timeline = new Timeline();
  private readonly table: TaskTable;
  private readonly summarySlot = el('div', { className: 'summary-slot' });
  private readonly sweepSection = el('section', { className: 'panel-section', attrs: { 'aria-labelledby': 'sweep-heading', hidden: true } });
  private readonly repeatPicker = el('label', { className: 'repeat-picker', attrs: { hidden: true } });
  private readonly content: HTMLElement;
  private readonly emptyState: HTMLElement;
  private repeat = 0;
  private reportId: string | undefined;
  private renderPending = false;
  private renderedRevision = -1;
  private renderedSweep: RunReport['sweep'] | undefined;
  private renderedSummaryMarkup = '';
  private lastStateSave = 0;
  private stateSaveTimer: ReturnType<typeof setTimeout> | undefined;
  private liveTicker: ReturnType<typeof setInterval> | undefined;

  constructor(
    root: HTMLElement,
    private readonly host: PanelHost,
  ) {
    this.table = new TaskTable({ openLocation: (location) => host.post({ type: 'open-location', ...location }) });
    this.emptyState = el('div', { className: 'empty-state', attrs: { 'data-testid': 'empty-state' } }, [
      el('p', { className: 'empty-title', text: 'Run a function to see lanes here' }),
      el('p', {
        className: 'muted',
        text: 'Put the cursor in a function and run a "Parallel Runner" command from the Command Palette, giving it argument lists. Each worker gets a lane; every task shows where it started and ended, next to the serial run.',
      }),
    ]);
    const legend = el(
      'ul',
      { className: 'legend', attrs: { 'aria-label': 'Bar colours' } },
      (['ok', 'error', 'timeout', 'cancelled', 'running'] as const).map((status) =>
        el('li', {}, [el('span', { className: `status-swatch status-${status}`, attrs: { 'aria-hidden': 'true' } }), STATUS_LABELS[status]]),
      ),
    );
    const timelineSection = el('section', { className: 'panel-section', attrs: { 'aria-labelledby': 'timeline-heading' } }, [
      el('div', { className: 'section-header' }, [el('h2', { text: 'Timeline', attrs: { id: 'timeline-heading' } }), this.repeatPicker, legend, this.timeline.controls()]),
      el('p', { className: 'section-hint muted', text: 'Both runs share one time axis, in ms from each run’s start. Ctrl+wheel or +/− to zoom, drag to pan, hover or focus a bar for details.' }),
      this.timeline.element,
    ]);
    const tableSection = el('section', { className: 'panel-section', attrs: { 'aria-labelledby': 'table-heading' } }, [
      el('div', { className: 'section-header' }, [el('h2', { text: 'Tasks', attrs: { id: 'table-heading' } }), el('span', { className: 'muted', text: 'Select a row (Enter) to see its console output.' })]),
      this.table.element,
    ]);
    this.content = el('div', { className: 'run-content', attrs: { hidden: true } }, [this.summarySlot, timelineSection, this.sweepSection, tableSection]);
    root.replaceChildren(this.emptyState, this.content);
    this.watchTheme();
  }

  start(): void {
    const embedded = embeddedReport();
    const saved = this.host.loadState()?.report;
    if (embedded) this.showReport(embedded);
    else if (saved) this.showReport(saved);
    if (this.host.interactive) {
      window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => this.onMessage(event.data));
      this.host.post({ type: 'ready' });
    }
    document.body.classList.toggle('interactive', this.host.interactive);
  }

  private onMessage(message: ToWebviewMessage): void {
    if (!message || typeof message !== 'object') return;
    switch (message.type) {
      case 'report':
        this.showReport(message.report);
        break;
      case 'events':
        for (const event of message.events) {
          if (event.type === 'run-started') this.resetView(event.report.id);
          this.model.applyEvent(event);
        }
        this.scheduleRender();
        break;
      case 'clear':
        this.model.clear();
        this.resetView(undefined);
        this.scheduleRender();
        break;
    }
  }

  private showReport(report: RunReport): void {
    if (report.id !== this.reportId) this.resetView(report.id);
    this.model.setReport(report);
    this.scheduleRender();
  }

  private resetView(reportId: string | undefined): void {
    if (reportId === this.reportId) return;
    this.reportId = reportId;
    this.repeat = 0;
    this.renderedSweep = undefined;
    this.timeline.fit();
  }

  /** Coalesces any number of incoming updates into one render per animation frame. */
  private scheduleRender(): void {
    if (this.renderPending) return;
    this.renderPending = true;
    requestAnimationFrame(() => {
      this.renderPending = false;
      this.render();
    });
  }

  private render(): void {
    if (this.model.revision === this.renderedRevision) return;
    this.renderedRevision = this.model.revision;
    const report = this.model.report;
    this.emptyState.hidden = !!report;
    this.content.hidden = !report;
    if (report) {
      // The summary is rebuilt each time; keep keyboard focus on the same button (e.g. Cancel) across rebuilds.
      // Only swap it in when it reads differently, so live frames that change nothing here cost no layout.
      const summary = renderSummary(this.model, this.host.interactive ? (message) => this.host.post(message) : undefined);
      const markup = summary.outerHTML;
      if (markup !== this.renderedSummaryMarkup) {
        this.renderedSummaryMarkup = markup;
        const focusedId = this.summarySlot.contains(document.activeElement) ? document.activeElement?.getAttribute('data-testid') : undefined;
        this.summarySlot.replaceChildren(summary);
        if (focusedId) (this.summarySlot.querySelector(`[data-testid="${CSS.escape(focusedId)}"]`) as HTMLElement | null)?.focus();
      }
      this.renderRepeatPicker();
      this.renderSweep(report);
      this.timeline.update(this.model, this.repeat);
      // The table's 200 rows are the costliest layout on the page: give them their own frame so neither frame runs long.
      requestAnimationFrame(() => this.table.update(this.model));
    }
    this.tickWhileRunning();
    // Serializing the state can take a while for big runs: do it after this frame has painted.
    setTimeout(() => this.saveState(), 0);
  }

  /** Running bars grow with the clock between events, so redraw the timeline a few times a second during a run. */
  private tickWhileRunning(): void {
    const running = this.model.status === 'running';
    if (running && !this.liveTicker) {
      this.liveTicker = setInterval(() => requestAnimationFrame(() => this.timeline.update(this.model, this.repeat)), LIVE_TICK_MS);
    } else if (!running && this.liveTicker) {
      clearInterval(this.liveTicker);
      this.liveTicker = undefined;
    }
  }

  private renderRepeatPicker(): void {
    const repeats = this.model.repeats();
    this.repeatPicker.hidden = repeats.length <= 1;
    if (repeats.length <= 1) return;
    const existing = this.repeatPicker.querySelector('select');
    if (existing && existing.options.length === repeats.length) return;
    const select = el(
      'select',
      { attrs: { 'data-testid': 'repeat-select' } },
      repeats.map((r) => el('option', { text: `repeat ${r + 1} of ${repeats.length}`, attrs: { value: r, selected: r === this.repeat } })),
    );
    select.addEventListener('change', () => {
      this.repeat = Number(select.value);
      this.timeline.update(this.model, this.repeat);
    });
    this.repeatPicker.replaceChildren(el('span', { className: 'visually-hidden', text: 'Show repeat' }), select);
  }

  private renderSweep(report: RunReport): void {
    if (report.sweep === this.renderedSweep) return;
    this.renderedSweep = report.sweep;
    this.sweepSection.hidden = !report.sweep;
    if (!report.sweep) {
      this.sweepSection.replaceChildren();
      return;
    }
    this.sweepSection.replaceChildren(
      el('div', { className: 'section-header' }, [el('h2', { text: 'Speedup by worker count', attrs: { id: 'sweep-heading' } })]),
      renderSweepChart(report.sweep),
    );
  }

  private saveState(): void {
    if (!this.host.interactive) return;
    const live = this.model.status === 'running';
    const wait = live ? this.lastStateSave + LIVE_STATE_SAVE_INTERVAL_MS - Date.now() : 0;
    if (wait > 0) {
      this.stateSaveTimer ??= setTimeout(() => {
        this.stateSaveTimer = undefined;
        this.saveState();
      }, wait);
      return;
    }
    this.lastStateSave = Date.now();
    this.host.saveState({ report: this.model.toReport() });
  }

  /** VS Code swaps body classes and --vscode-* variables on a theme change; the canvas must re-read its colours. */
  private watchTheme(): void {
    const observer = new MutationObserver(() => this.timeline.refreshTheme());
    observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  }
}

const root = document.getElementById('app') ?? document.body.appendChild(el('main', { attrs: { id: 'app' } }));
new PanelPage(root, connectHost()).start();
