// The panel page: receives reports and live events, renders summary, timeline, task table and sweep chart.
import * as l10n from '@vscode/l10n';
import './l10n'; // first: the page's strings are made (some at module load) after the l10n bundle is read
import type { ToWebviewMessage } from '../shared/protocol';
import type { RunReport, TaskRecord } from '../shared/report';
import { AccountView } from './account';
import { ComparisonView } from './comparison';
import { el } from './dom';
import { workersText } from './format';
import { HistoryView } from './history';
import { connectHost, embeddedReport, type PanelHost } from './host';
import { RunModel } from './runModel';
import { SummaryView } from './summary';
import { renderSweepChart } from './sweepChart';
import { TaskTable } from './taskTable';
import { STATUS_LABELS, Timeline } from './timeline';

/** While a run is live, webview state is saved at most this often: serializing 10,000 tasks every frame would stall. */
const LIVE_STATE_SAVE_INTERVAL_MS = 500;
const LIVE_TICK_MS = 200;

class PanelPage {
  private readonly model = new RunModel();
  private readonly timeline = new Timeline();
  private readonly account = new AccountView();
  private readonly table: TaskTable;
  private readonly summary: SummaryView;
  private readonly summarySlot = el('div', { className: 'summary-slot' });
  private readonly comparison = new ComparisonView();
  private readonly history: HistoryView;
  private readonly sweepSection = el('section', { className: 'panel-section', attrs: { 'aria-labelledby': 'sweep-heading', hidden: true } });
  private readonly repeatPicker = el('label', { className: 'repeat-picker', attrs: { hidden: true } });
  private readonly content: HTMLElement;
  private readonly emptyState: HTMLElement;
  /** The pair (repeat) the person picked; undefined follows the latest, as a live run adds pairs. */
  private pickedRepeat: number | undefined;
  private reportId: string | undefined;
  /** Tasks of a big report, arriving in 'report-tasks' slices before the report itself. */
  private reportParts: { id: string; tasks: TaskRecord[] } | undefined;
  private renderPending = false;
  private renderedRevision = -1;
  private renderedSweep: RunReport['sweep'] | undefined;
  private lastStateSave = 0;
  private stateSavePending = false;
  private liveTicker: ReturnType<typeof setInterval> | undefined;
  private tickPending = false;
  private lastRenderAt = 0;

  constructor(
    root: HTMLElement,
    private readonly host: PanelHost,
  ) {
    this.table = new TaskTable({ openLocation: (location) => host.post({ type: 'open-location', ...location }) });
    this.summary = new SummaryView(host.interactive ? (message) => host.post(message) : undefined);
    this.summarySlot.appendChild(this.summary.element);
    this.history = new HistoryView(host.interactive ? (message) => host.post(message) : undefined);
    this.emptyState = el('div', { className: 'empty-state', attrs: { 'data-testid': 'empty-state' } }, [
      el('p', { className: 'empty-title', text: l10n.t('Run a function to see lanes here') }),
      el('p', {
        className: 'muted',
        text: l10n.t('Put the cursor in a function and run a "Parallel Runner" command from the Command Palette, giving it argument lists. Each worker gets a lane; every task shows where it started and ended, next to the serial run.'),
      }),
    ]);
    const legend = el(
      'ul',
      { className: 'legend', attrs: { 'aria-label': l10n.t('Bar colours') } },
      (['ok', 'error', 'timeout', 'cancelled', 'running'] as const).map((status) =>
        el('li', {}, [el('span', { className: `status-swatch status-${status}`, attrs: { 'aria-hidden': 'true' } }), STATUS_LABELS[status]]),
      ),
    );
    const timelineSection = el('section', { className: 'panel-section', attrs: { 'aria-labelledby': 'timeline-heading' } }, [
      el('div', { className: 'section-header' }, [el('h2', { text: l10n.t('Timeline'), attrs: { id: 'timeline-heading' } }), this.repeatPicker, legend, this.timeline.controls()]),
      el('p', { className: 'section-hint muted', text: l10n.t('Both runs share one time axis, in ms from each run’s start. Ctrl+wheel or +/− to zoom, drag to pan, hover or focus a bar for details.') }),
      this.timeline.element,
    ]);
    const tableSection = el('section', { className: 'panel-section', attrs: { 'aria-labelledby': 'table-heading' } }, [
      el('div', { className: 'section-header' }, [el('h2', { text: l10n.t('Tasks'), attrs: { id: 'table-heading' } }), el('span', { className: 'muted', text: l10n.t('Select a row (Enter) to see its console output.') })]),
      this.table.element,
    ]);
    this.content = el('div', { className: 'run-content', attrs: { hidden: true } }, [this.summarySlot, this.account.element, this.comparison.element, this.history.element, timelineSection, this.sweepSection, tableSection]);
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
      case 'report-tasks': {
        // A first slice starts over (the same report may be re-sent after a reload); a slice out of order drops the parts.
        if (message.from === 0) this.reportParts = { id: message.reportId, tasks: [] };
        if (this.reportParts?.id !== message.reportId || this.reportParts.tasks.length !== message.from) {
          this.reportParts = undefined;
          break;
        }
        const tasks = this.reportParts.tasks;
        for (const task of message.tasks) tasks.push(task);
        break;
      }
      case 'report': {
        if (!message.tasksInParts) {
          this.showReport(message.report);
          break;
        }
        const parts = this.reportParts;
        this.reportParts = undefined;
        // Slices of another report, or none: the host re-sends the whole report when the page says 'ready' again.
        if (parts?.id === message.report.id) this.showReport({ ...message.report, tasks: parts.tasks });
        break;
      }
      case 'events':
        for (const event of message.events) {
          if (event.type === 'run-started') this.resetView(event.report.id);
          this.model.applyEvent(event);
        }
        this.scheduleRender();
        break;
      case 'history':
        this.history.set(message);
        break;
      case 'comparison':
        this.comparison.set(message.comparison, message.picked);
        break;
      case 'clear':
        this.reportParts = undefined;
        this.model.clear();
        this.resetView(undefined);
        this.scheduleRender();
        break;
    }
  }

  private showReport(report: RunReport): void {
    if (report.id !== this.reportId) this.resetView(report.id);
    this.model.setReport(report);
    // An exported page carries its comparison in the report itself.
    if (report.comparison) this.comparison.showingRun(report.id, report.comparison);
    this.scheduleRender();
  }

  private resetView(reportId: string | undefined): void {
    this.comparison.showingRun(reportId);
    if (reportId === this.reportId) return;
    this.reportId = reportId;
    this.pickedRepeat = undefined;
    this.renderedSweep = undefined;
    this.timeline.fit();
    this.table.reset();
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
    this.lastRenderAt = performance.now();
    const report = this.model.report;
    this.emptyState.hidden = !!report;
    this.content.hidden = !report;
    if (report) {
      // Updated in place: its buttons stay the same elements, so a click during a live run always lands.
      this.summary.update(this.model);
      this.renderRepeatPicker();
      this.renderAccount();
      this.renderSweep(report);
      if (this.model.fromLiveRun) {
        this.timeline.update(this.model, this.repeat);
        // During a live run the table gets its own frame, so neither frame runs long.
        requestAnimationFrame(() => this.table.update(this.model));
      } else {
        // A finished report is drawn in one frame: one style, layout and paint pass for the whole page instead of two.
        this.table.update(this.model);
        this.timeline.update(this.model, this.repeat);
      }
    }
    this.tickWhileRunning();
    this.scheduleStateSave();
  }

  /** Running bars grow with the clock between events, so redraw the timeline a few times a second during a run. */
  private tickWhileRunning(): void {
    const running = this.model.status === 'running';
    if (running && !this.liveTicker) {
      this.liveTicker = setInterval(() => {
        // A render already pending or just done redraws the timeline itself: do not draw it twice in one frame.
        if (this.renderPending || this.tickPending || performance.now() - this.lastRenderAt < LIVE_TICK_MS / 2) return;
        this.tickPending = true;
        requestAnimationFrame(() => {
          this.tickPending = false;
          if (this.model.status === 'running') this.timeline.update(this.model, this.repeat);
        });
      }, LIVE_TICK_MS);
    } else if (!running && this.liveTicker) {
      clearInterval(this.liveTicker);
      this.liveTicker = undefined;
    }
  }

  /** The repeat the timeline and the account show: the one picked, else the latest. */
  private get repeat(): number {
    const repeats = this.model.repeats();
    if (this.pickedRepeat !== undefined && repeats.includes(this.pickedRepeat)) return this.pickedRepeat;
    return repeats.length ? repeats[repeats.length - 1] : 0;
  }

  /** `pair 3 of 5` (serial/parallel pairs), `run 2 of 4 · 3 workers` (a sweep's worker counts), `repeat 2 of 3` otherwise. */
  private repeatLabels(): { value: number; text: string }[] {
    const repeats = this.model.repeats();
    const pairs = this.model.repeatsArePairs();
    const excluded = new Set(this.model.report?.summary?.speedupEstimate?.excludedPairs ?? []);
    const sweep = !!this.model.report?.sweep || (!pairs && this.model.allPhases().some((phase) => phase.phase === 'serial'));
    return repeats.map((r, i) => {
      if (pairs) return { value: r, text: l10n.t('pair {0} of {1}{2}', i + 1, repeats.length, excluded.has(r) ? l10n.t(' · left out (warm-up)') : '') };
      if (sweep) {
        const workers = this.model.phase('parallel', r)?.workers;
        return { value: r, text: l10n.t('run {0} of {1}{2}', i + 1, repeats.length, workers ? ` · ${workersText(workers)}` : '') };
      }
      return { value: r, text: l10n.t('repeat {0} of {1}', i + 1, repeats.length) };
    });
  }

  private renderRepeatPicker(): void {
    const labels = this.repeatLabels();
    this.repeatPicker.hidden = labels.length <= 1;
    if (labels.length <= 1) return;
    const current = String(this.repeat);
    const existing = this.repeatPicker.querySelector('select');
    const signature = labels.map((label) => label.text).join('\n');
    if (existing && existing.getAttribute('data-signature') === signature) {
      if (existing.value !== current) existing.value = current;
      return;
    }
    const select = el(
      'select',
      { attrs: { 'data-testid': 'repeat-select', 'data-signature': signature } },
      labels.map((label) => el('option', { text: label.text, attrs: { value: label.value, selected: String(label.value) === current } })),
    );
    select.addEventListener('change', () => {
      const picked = Number(select.value);
      const repeats = this.model.repeats();
      // Picking the latest follows new pairs again as a live run adds them.
      this.pickedRepeat = picked === repeats[repeats.length - 1] ? undefined : picked;
      this.timeline.update(this.model, this.repeat);
      this.renderAccount();
    });
    const pairs = this.model.repeatsArePairs();
    this.repeatPicker.replaceChildren(el('span', { className: 'visually-hidden', text: pairs ? l10n.t('Show pair') : l10n.t('Show run') }), select);
  }

  /** The account of the pair on the timeline; the section stays hidden for reports that have no account at all. */
  private renderAccount(): void {
    const report = this.model.report;
    const repeat = this.repeat;
    const account = this.model.accountFor(repeat);
    const anyAccount = !!report?.summary?.account || this.model.allPhases().some((phase) => phase.account);
    const labels = this.repeatLabels();
    const label = labels.length > 1 ? labels.find((entry) => entry.value === repeat)?.text : undefined;
    const workers = account?.workers ?? this.model.phase('parallel', repeat)?.workers;
    const caption = [label, workers ? workersText(workers) : undefined].filter(Boolean).join(' · ').replace(/ · (\d+ workers?) · \1$/, ' · $1');
    let missing: string | undefined;
    if (!account && anyAccount) {
      const phase = this.model.phase('parallel', repeat);
      missing = !phase || phase.status === 'running' ? l10n.t('This pair is still running: its account follows when it ends.') : l10n.t('No account for this run: it has no serial run of its own to compare with.');
    }
    this.account.update(account, caption, missing);
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
      el('div', { className: 'section-header' }, [el('h2', { text: l10n.t('Speedup by worker count'), attrs: { id: 'sweep-heading' } })]),
      renderSweepChart(report.sweep),
    );
  }

  /**
   * Serializing the state can take tens of ms for big runs: never inside a render frame. It runs once the page is idle
   * (after this frame has painted), at most every LIVE_STATE_SAVE_INTERVAL_MS while a run is live, and at once when it ends.
   */
  private scheduleStateSave(): void {
    if (!this.host.interactive || this.stateSavePending) return;
    this.stateSavePending = true;
    const live = this.model.status === 'running';
    const wait = live ? Math.max(0, this.lastStateSave + LIVE_STATE_SAVE_INTERVAL_MS - Date.now()) : 0;
    setTimeout(() => {
      // toReport runs at save time, so a run that ended while this save waited is saved in full.
      const save = (): void => {
        this.stateSavePending = false;
        this.lastStateSave = Date.now();
        this.host.saveState({ report: this.model.toReport() });
      };
      if (typeof requestIdleCallback === 'function') requestIdleCallback(save, { timeout: LIVE_STATE_SAVE_INTERVAL_MS });
      else save();
    }, wait);
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
