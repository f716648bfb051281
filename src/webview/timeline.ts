// The timeline: one lane per worker (serial and parallel on one ms axis), bars on canvas, lane labels in the DOM.
import * as l10n from '@vscode/l10n';
import { BUSY_MIN_WALL_MS, BUSY_OTHER_CORES } from '../shared/disturbance';
import { el } from './dom';
import type { MeasurementInfo } from '../shared/report';
import { formatCores, formatMs, formatTick, niceStep, truncate, workersText } from './format';
import { blockedMs, type RunModel, type ViewPhase, type ViewTask, type ViewTaskStatus } from './runModel';
import { readCanvasTheme, type CanvasTheme } from './theme';

const AXIS_HEIGHT = 24;
const GROUP_HEIGHT = 24;
/** A phase header with a second line for the machine around it (other programs' CPU). */
const GROUP_HEIGHT_WITH_MACHINE = 38;
/** A phase shorter than BUSY_MIN_WALL_MS reads other programs' CPU too coarsely: shown as approximate, never in the warning colour. */
const COARSE_PHASE_MS = BUSY_MIN_WALL_MS;
const BUSY_MACHINE_CORES = BUSY_OTHER_CORES;
export const NOT_MEASURED = l10n.t('not measured on this platform');
const LANE_HEIGHT = 26;
const BAR_INSET = 4;
const PAD_LEFT = 8;
const PAD_RIGHT = 16;
/** Browsers cap element widths near 2^24 px; stay well below. */
const MAX_CONTENT_WIDTH = 4_000_000;
const ZOOM_STEP = 1.5;

interface LaneLayout {
  kind: 'lane';
  y: number;
  phase: ViewPhase;
  pid: number;
  threadId: number;
  lane: number;
  tasks: ViewTask[];
  startMs: Float64Array;
  endMs: Float64Array;
  /** Running maximum of endMs, so a binary search finds the first visible bar even if bars overlap. */
  maxEndMs: Float64Array;
}

interface BarGeometry {
  xOf: (ms: number) => number;
  px: number;
  visibleStartMs: number;
  visibleEndMs: number;
  width: number;
  digitWidth: number;
  barHeight: number;
}

interface GroupLayout {
  kind: 'group';
  y: number;
  phase: ViewPhase;
  /** Wall time of this phase in ms (measured or, while live, so far). */
  extentMs: number;
  finished: boolean;
}

type RowLayout = LaneLayout | GroupLayout;

interface TaskRef {
  lane: LaneLayout;
  position: number;
}

const PROBLEM_STATUSES = new Set<ViewTaskStatus>(['error', 'timeout', 'cancelled']);

export const STATUS_LABELS: Record<ViewTaskStatus, string> = {
  ok: l10n.t('ok'),
  error: l10n.t('failed'),
  timeout: l10n.t('timed out'),
  cancelled: l10n.t('cancelled'),
  running: l10n.t('running'),
  queued: l10n.t('queued'),
};

export class Timeline {
  readonly element: HTMLElement;
  private readonly labelColumn: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly content: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLElement;
  private readonly announcer: HTMLElement;
  private readonly emptyNote: HTMLElement;
  private theme: CanvasTheme | undefined;
  private rows: RowLayout[] = [];
  private lanes: LaneLayout[] = [];
  private height = AXIS_HEIGHT;
  private totalMs = 1;
  private pxPerMs = 0;
  private fitted = true;
  private hovered: TaskRef | undefined;
  private focused: TaskRef | undefined;
  private drawPending = false;
  private drag: { x: number; scrollLeft: number; moved: boolean } | undefined;
  private labelSignature = '';
  /** The scroller's width, kept by a ResizeObserver: reading clientWidth mid-render would force a layout every frame. */
  private viewportWidth = 0;
  private groupHeight = GROUP_HEIGHT;
  private measurement: MeasurementInfo | undefined;

  constructor() {
    this.labelColumn = el('div', { className: 'lane-labels' });
    this.canvas = el('canvas', {
      className: 'timeline-canvas',
      attrs: { tabindex: 0, role: 'img', 'aria-label': l10n.t('Timeline'), 'data-testid': 'timeline-canvas' },
    });
    this.content = el('div', { className: 'timeline-content' }, [this.canvas]);
    this.scroller = el('div', { className: 'timeline-scroller' }, [this.content]);
    this.tooltip = el('div', { className: 'timeline-tooltip', attrs: { role: 'tooltip', id: 'timeline-tooltip', hidden: true, 'data-testid': 'tooltip' } });
    this.announcer = el('div', { className: 'visually-hidden', attrs: { 'aria-live': 'polite' } });
    this.emptyNote = el('p', { className: 'empty-note', text: l10n.t('No task has started yet.'), attrs: { hidden: true } });
    this.element = el('div', { className: 'timeline' }, [
      el('div', { className: 'timeline-body' }, [this.labelColumn, this.scroller]),
      this.emptyNote,
      this.tooltip,
      this.announcer,
    ]);
    this.canvas.setAttribute('aria-describedby', 'timeline-tooltip');
    this.bindEvents();
  }

  /** Zoom and fit controls, placed by the caller in the section's toolbar. */
  controls(): HTMLElement {
    const zoomOut = el('button', { className: 'icon-button', text: '−', attrs: { type: 'button', title: l10n.t('Zoom out (Ctrl+wheel)'), 'aria-label': l10n.t('Zoom out'), 'data-testid': 'zoom-out' } });
    const zoomIn = el('button', { className: 'icon-button', text: '+', attrs: { type: 'button', title: l10n.t('Zoom in (Ctrl+wheel)'), 'aria-label': l10n.t('Zoom in'), 'data-testid': 'zoom-in' } });
    const fit = el('button', { className: 'icon-button', text: l10n.t('Fit'), attrs: { type: 'button', title: l10n.t('Show the whole run'), 'data-testid': 'zoom-fit' } });
    zoomOut.addEventListener('click', () => this.zoomBy(1 / ZOOM_STEP, this.width() / 2));
    zoomIn.addEventListener('click', () => this.zoomBy(ZOOM_STEP, this.width() / 2));
    fit.addEventListener('click', () => this.fit());
    return el('div', { className: 'zoom-controls', attrs: { role: 'group', 'aria-label': l10n.t('Zoom') } }, [zoomOut, zoomIn, fit]);
  }

  /** Re-reads theme colours (after a theme change) and redraws. */
  refreshTheme(): void {
    this.theme = undefined;
    this.requestDraw();
  }

  /** Rebuilds the layout from the model for the chosen repeat and draws it. */
  update(model: RunModel, repeat: number): void {
    const previousFocus = this.focused && this.focused.lane.tasks[this.focused.position];
    this.measurement = model.report?.measurement;
    // The second header line shows once the report measures (or says it cannot measure) the machine around a phase.
    const machine = this.measurement?.machineCpu === 'unavailable' || model.allPhases().some((phase) => phase.otherCpuCores !== undefined);
    this.groupHeight = machine ? GROUP_HEIGHT_WITH_MACHINE : GROUP_HEIGHT;
    this.buildLayout(model, repeat);
    this.focused = previousFocus ? this.findTask(previousFocus.key) : undefined;
    this.hovered = undefined;
    this.renderLabels(model.repeats().length > 1 ? (model.repeatsArePairs() ? 'pair' : 'run') : undefined, machine);
    if (this.emptyNote.hidden !== this.lanes.length > 0) this.emptyNote.hidden = this.lanes.length > 0;
    if (this.scroller.hidden !== (this.lanes.length === 0)) this.scroller.hidden = this.lanes.length === 0;
    const description = this.describe();
    if (this.canvas.getAttribute('aria-label') !== description) this.canvas.setAttribute('aria-label', description);
    this.draw();
  }

  private buildLayout(model: RunModel, repeat: number): void {
    const rows: RowLayout[] = [];
    const lanes: LaneLayout[] = [];
    let y = AXIS_HEIGHT;
    let totalMs = 0;
    const tasks = model.allTasks();
    for (const phaseName of ['serial', 'parallel'] as const) {
      const phase = model.phaseToShow(phaseName, repeat);
      if (!phase) continue;
      const originUs = model.phaseOriginUs(phase.phase, phase.repeat);
      const finished = phase.status !== 'running';
      const liveEndMs = Math.max(0, (model.liveNowUs() - originUs) / 1000);
      const byLane = new Map<number, ViewTask[]>();
      for (const lane of phase.lanes.values()) byLane.set(lane.lane, []);
      for (const task of tasks) {
        if (task.phase !== phase.phase || task.repeat !== phase.repeat || task.startUs === undefined || task.lane < 0) continue;
        let list = byLane.get(task.lane);
        if (!list) byLane.set(task.lane, (list = []));
        list.push(task);
      }
      let extentMs = phase.wallMs ?? (phase.startUs !== undefined && phase.endUs !== undefined ? (phase.endUs - phase.startUs) / 1000 : 0);
      const group: GroupLayout = { kind: 'group', y, phase, extentMs, finished };
      rows.push(group);
      y += this.groupHeight;
      for (const laneIndex of [...byLane.keys()].sort((a, b) => a - b)) {
        const laneTasks = byLane.get(laneIndex) as ViewTask[];
        laneTasks.sort((a, b) => (a.startUs as number) - (b.startUs as number));
        const info = phase.lanes.get(laneIndex) ?? laneTasks[0];
        const startMs = new Float64Array(laneTasks.length);
        const endMs = new Float64Array(laneTasks.length);
        const maxEndMs = new Float64Array(laneTasks.length);
        let runningMax = 0;
        laneTasks.forEach((task, i) => {
          startMs[i] = ((task.startUs as number) - originUs) / 1000;
          const end = task.endUs !== undefined ? (task.endUs - originUs) / 1000 : task.status === 'running' ? liveEndMs : startMs[i] + (task.durationMs ?? 0);
          endMs[i] = Math.max(startMs[i], end);
          runningMax = Math.max(runningMax, endMs[i]);
          maxEndMs[i] = runningMax;
        });
        extentMs = Math.max(extentMs, runningMax);
        const layout: LaneLayout = { kind: 'lane', y, phase, lane: laneIndex, pid: info.pid, threadId: info.threadId, tasks: laneTasks, startMs, endMs, maxEndMs };
        rows.push(layout);
        lanes.push(layout);
        y += LANE_HEIGHT;
      }
      if (!finished) extentMs = Math.max(extentMs, liveEndMs);
      group.extentMs = extentMs;
      totalMs = Math.max(totalMs, extentMs);
    }
    this.rows = rows;
    this.lanes = lanes;
    this.height = y + 4;
    this.totalMs = totalMs > 0 ? totalMs : 1;
  }

  private renderLabels(repeatWord: 'pair' | 'run' | undefined, machine: boolean): void {
    const signature = JSON.stringify(
      this.rows.map((row) =>
        row.kind === 'group'
          ? [row.phase.key, row.phase.workers, row.finished, repeatWord, machine, row.phase.otherCpuCores, row.phase.ownCpuCores]
          : [row.phase.key, row.lane, row.pid, row.threadId, laneUtilization(row)],
      ),
    );
    if (signature === this.labelSignature) return;
    this.labelSignature = signature;
    const children: HTMLElement[] = [el('div', { className: 'lane-axis-spacer', text: l10n.t('ms from phase start') })];
    for (const row of this.rows) {
      if (row.kind === 'group') {
        const phase = row.phase;
        const name = phase.phase === 'serial' ? l10n.t('Serial run') : l10n.t('Parallel run · {0}', workersText(phase.workers ?? phase.lanes.size));
        const repeat = repeatWord === 'pair' ? ` · ${l10n.t('pair {0}', phase.repeat + 1)}` : repeatWord === 'run' ? ` · ${l10n.t('run {0}', phase.repeat + 1)}` : '';
        const header = el('div', { className: `lane-group lane-group-${phase.phase}`, attrs: { 'data-testid': 'lane-group', 'data-phase': phase.phase, 'data-repeat': phase.repeat } }, [
          el('div', { className: 'lane-group-title' }, [
            el('span', { className: 'lane-group-name', text: name + repeat }),
            row.finished ? null : el('span', { className: 'lane-group-wall', text: 'running…' }),
          ]),
          machine ? this.machineLine(phase) : null,
        ]);
        header.style.height = `${this.groupHeight}px`;
        children.push(header);      } else {
        const utilization = laneUtilization(row);
        const busy = utilization !== undefined ? l10n.t('{0} % busy', Math.round(utilization * 100)) : undefined;
        const who = row.phase.phase === 'serial' ? l10n.t('Serial run') : l10n.t('Worker {0} of {1}', row.lane + 1, row.phase.workers ?? row.phase.lanes.size);
        const label = el(
          'div',
          {
            className: 'lane-label',
            attrs: {
              'data-testid': 'lane',
              'data-phase': row.phase.phase,
              'data-pid': row.pid,
              'data-thread-id': row.threadId,
              'data-lane': row.lane,
              // Named for screen readers as a whole ("Worker 2 of 4: PID 123, thread 5, 80 % busy"); the visible spans repeat it.
              role: 'group',
              'aria-label': [l10n.t('{0}: PID {1}, thread {2}', who, row.pid, row.threadId), busy].filter(Boolean).join(', '),
              title: row.phase.phase === 'serial' ? l10n.t('The serial run: every task, one after another') : l10n.t('Worker {0} of the pool', row.lane + 1),
            },
          },
          [
            el('span', { className: 'lane-label-id', text: l10n.t('PID {0} · thread {1}', row.pid, row.threadId), attrs: { 'aria-hidden': 'true' } }),
            busy !== undefined ? el('span', { className: 'lane-label-busy', text: busy, attrs: { 'aria-hidden': 'true' } }) : null,
          ],
        );
        label.style.height = `${LANE_HEIGHT}px`;
        children.push(label);
      }
    }
    this.labelColumn.replaceChildren(...children);
  }

  /** Other programs' CPU during the phase (and this run's own), or why there is no figure. */
  private machineLine(phase: ViewPhase): HTMLElement {
    const other = phase.otherCpuCores;
    const title =
      l10n.t('CPU that other programs used during this phase, averaged over its wall time: the machine’s busy time from /proc/stat minus this run’s own processes (1 core = one core busy throughout).');
    if (other === undefined) {
      const text = this.measurement?.machineCpu === 'unavailable' ? l10n.t('other programs: {0}', NOT_MEASURED) : phase.status === 'running' ? l10n.t('other programs: …') : l10n.t('other programs: —');
      return el('span', { className: 'lane-group-machine', text, attrs: { 'data-testid': 'phase-other-cpu', title: this.measurement?.notes.join(' ') || title } });
    }
    const coarse = phase.wallMs !== undefined && phase.wallMs < COARSE_PHASE_MS;
    const about = coarse ? '~' : '';
    // `other programs 0.41 · this run 0.97 cores`: one unit at the end keeps it inside the label column.
    const text =
      phase.ownCpuCores !== undefined
        ? l10n.t('other programs {0}{1} · this run {2}{3}', about, other.toFixed(2), about, formatCores(phase.ownCpuCores))
        : l10n.t('other programs {0}{1}', about, formatCores(other));
    return el('span', {
      className: `lane-group-machine${other >= BUSY_MACHINE_CORES && !coarse ? ' machine-busy' : ''}`,
      text,
      attrs: {
        'data-testid': 'phase-other-cpu',
        'data-cores': other,
        title: coarse ? l10n.t('{0} This phase is shorter than {1} ms: /proc/stat counts 10 ms ticks, so the figure is rough (±0.1 core or worse).', title, COARSE_PHASE_MS) : title,
      },
    });
  }

  private describe(): string {
    const count = this.lanes.reduce((sum, lane) => sum + lane.tasks.length, 0);
    const tasks = count === 1 ? l10n.t('1 task') : l10n.t('{0} tasks', count);
    const lanes = this.lanes.length === 1 ? l10n.t('1 lane') : l10n.t('{0} lanes', this.lanes.length);
    return l10n.t('Timeline: {0} on {1} over {2}. Arrow keys move between tasks; the task table below lists the same data.', tasks, lanes, formatMs(this.totalMs));
  }

  private width(): number {
    if (this.viewportWidth <= 0) this.viewportWidth = this.scroller.clientWidth;
    return this.viewportWidth;
  }

  private fitPxPerMs(): number {
    const width = Math.max(50, this.width() - PAD_LEFT - PAD_RIGHT);
    return width / this.totalMs;
  }

  private maxPxPerMs(): number {
    return Math.max(this.fitPxPerMs(), Math.min(50_000, MAX_CONTENT_WIDTH / this.totalMs));
  }

  fit(): void {
    this.fitted = true;
    this.draw();
  }

  private zoomBy(factor: number, anchorX: number): void {
    const fitPx = this.fitPxPerMs();
    const current = this.fitted ? fitPx : this.pxPerMs;
    const next = Math.min(this.maxPxPerMs(), Math.max(fitPx, current * factor));
    const anchorMs = (anchorX + this.scroller.scrollLeft - PAD_LEFT) / current;
    this.fitted = next <= fitPx * 1.0001;
    this.pxPerMs = next;
    this.applyContentWidth();
    this.scroller.scrollLeft = PAD_LEFT + anchorMs * next - anchorX;
    this.draw();
  }

  private applyContentWidth(): void {
    const width = this.fitted ? this.width() : Math.ceil(PAD_LEFT + this.totalMs * this.pxPerMs + PAD_RIGHT);
    // Writing an unchanged size still invalidates style on live frames: only write what moved.
    if (this.content.style.width !== `${width}px`) this.content.style.width = `${width}px`;
    if (this.content.style.height !== `${this.height}px`) this.content.style.height = `${this.height}px`;
  }

  private requestDraw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.draw();
    });
  }

  private draw(): void {
    if (this.lanes.length === 0) return;
    if (this.fitted) this.pxPerMs = this.fitPxPerMs();
    this.applyContentWidth();
    const theme = (this.theme ??= readCanvasTheme(this.element));
    const width = Math.max(1, this.width());
    const height = this.height;
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, width, height);
    ctx.font = `${theme.fontSize}px ${theme.fontFamily}`;
    ctx.textBaseline = 'middle';

    const scrollLeft = this.fitted ? 0 : this.scroller.scrollLeft;
    const px = this.pxPerMs;
    const xOf = (ms: number): number => PAD_LEFT + ms * px - scrollLeft;
    const visibleStartMs = (scrollLeft - PAD_LEFT) / px;
    const visibleEndMs = (scrollLeft + width) / px;

    // Lane stripes and group bands first, so grid lines and bars sit on top.
    for (const row of this.rows) {
      if (row.kind === 'group') {
        ctx.fillStyle = theme.laneStripe;
        ctx.fillRect(0, row.y, width, this.groupHeight);
      } else if (this.lanes.indexOf(row) % 2 === 1) {
        ctx.fillStyle = theme.laneStripe;
        ctx.fillRect(0, row.y, width, LANE_HEIGHT);
      }
    }

    // Axis: ticks, labels and grid lines.
    const step = niceStep(visibleEndMs - Math.max(0, visibleStartMs), Math.max(2, width / 90));
    ctx.strokeStyle = theme.grid;
    ctx.lineWidth = 1;
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'center';
    for (let t = Math.max(0, Math.floor(visibleStartMs / step) * step); t <= visibleEndMs; t += step) {
      const x = Math.round(xOf(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS_HEIGHT - 5);
      ctx.lineTo(x, height);
      ctx.stroke();
      ctx.textAlign = x < 20 ? 'left' : 'center';
      ctx.fillText(formatTick(t, step), x < 20 ? Math.max(2, x) : x, AXIS_HEIGHT / 2 - 1);
    }
    ctx.beginPath();
    ctx.moveTo(0, AXIS_HEIGHT - 0.5);
    ctx.lineTo(width, AXIS_HEIGHT - 0.5);
    ctx.stroke();

    // Each phase's wall time as a dashed marker, so serial and parallel ends compare at a glance.
    ctx.setLineDash([4, 3]);
    ctx.strokeStyle = theme.muted;
    for (const row of this.rows) {
      if (row.kind !== 'group' || !row.finished) continue;
      const groupLanes = this.lanes.filter((lane) => lane.phase === row.phase);
      if (groupLanes.length === 0) continue;
      const x = Math.round(xOf(row.extentMs)) + 0.5;
      if (x < 0 || x > width) continue;
      ctx.beginPath();
      ctx.moveTo(x, row.y + 3);
      ctx.lineTo(x, groupLanes[groupLanes.length - 1].y + LANE_HEIGHT);
      ctx.stroke();
      ctx.textAlign = x > width - 110 ? 'right' : 'left';
      ctx.fillStyle = theme.muted;
      ctx.fillText(l10n.t('{0} wall {1}', row.phase.phase, formatMs(row.extentMs)), ctx.textAlign === 'right' ? x - 4 : x + 4, row.y + this.groupHeight / 2);
    }
    ctx.setLineDash([]);

    // Bars.
    const digitWidth = ctx.measureText('0').width;
    const barHeight = LANE_HEIGHT - BAR_INSET * 2;
    // Two passes: failures are drawn last, at least 2 px wide, so no zoom level hides them under their neighbours.
    const bars: BarGeometry = { xOf, px, visibleStartMs, visibleEndMs, width, digitWidth, barHeight };
    for (const lane of this.lanes) this.drawLaneBars(ctx, theme, lane, bars, false);
    for (const lane of this.lanes) this.drawLaneBars(ctx, theme, lane, bars, true);

    for (const [ref, color] of [
      [this.hovered, theme.foreground],
      [this.focused, theme.focus],
    ] as const) {
      if (!ref) continue;
      const start = ref.lane.startMs[ref.position];
      const x = xOf(start);
      const barWidth = Math.max(1, (ref.lane.endMs[ref.position] - start) * px);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 1, ref.lane.y + BAR_INSET - 1, barWidth + 2, barHeight + 2);
      ctx.lineWidth = 1;
    }
  }

  private drawLaneBars(ctx: CanvasRenderingContext2D, theme: CanvasTheme, lane: LaneLayout, bars: BarGeometry, problemsPass: boolean): void {
    const { xOf, px, visibleStartMs, visibleEndMs, width, digitWidth, barHeight } = bars;
    const y = lane.y + BAR_INSET;
    // Zoomed out, thousands of bars share a pixel column: draw one rect per column and colour.
    let lastColumn = -Infinity;
    let lastStatus = '';
    let i = firstVisible(lane.maxEndMs, visibleStartMs);
    for (; i < lane.tasks.length; i++) {
      const start = lane.startMs[i];
      if (start > visibleEndMs) break;
      const task = lane.tasks[i];
      if (PROBLEM_STATUSES.has(task.status) !== problemsPass) continue;
      const x = xOf(start);
      const exactWidth = (lane.endMs[i] - start) * px;
      if (exactWidth < 1) {
        const column = Math.floor(x);
        if (column === lastColumn && task.status === lastStatus) continue;
        lastColumn = column;
        lastStatus = task.status;
      }
      const barWidth = Math.max(problemsPass ? 2 : 1, exactWidth);
      ctx.fillStyle = theme.status[task.status];
      ctx.fillRect(x, y, barWidth, barHeight);
      if (barWidth >= 4 && theme.barOutline) {
        ctx.strokeStyle = theme.barOutline;
        ctx.strokeRect(x + 0.5, y + 0.5, barWidth - 1, barHeight - 1);
      } else if (barWidth >= 6) {
        // A hairline gap between back-to-back bars keeps neighbouring tasks distinguishable.
        ctx.fillStyle = theme.background;
        ctx.fillRect(x + barWidth - 1, y, 1, barHeight);
      }
      const label = String(task.index);
      if (barWidth > label.length * digitWidth + 6) {
        const left = Math.max(x, 0);
        const right = Math.min(x + barWidth, width);
        if (right - left > label.length * digitWidth + 6) {
          ctx.fillStyle = theme.statusText[task.status];
          ctx.textAlign = 'center';
          ctx.fillText(label, (left + right) / 2, y + barHeight / 2 + 0.5);
        }
      }
    }
  }

  private bindEvents(): void {
    this.scroller.addEventListener('scroll', () => this.requestDraw(), { passive: true });
    new ResizeObserver((entries) => {
      const width = Math.round(entries[entries.length - 1].contentRect.width);
      if (width === this.viewportWidth) return;
      this.viewportWidth = width;
      this.requestDraw();
    }).observe(this.scroller);
    this.scroller.addEventListener(
      'wheel',
      (event) => {
        if (!event.ctrlKey && !event.metaKey) return;
        event.preventDefault();
        const rect = this.scroller.getBoundingClientRect();
        this.zoomBy(event.deltaY < 0 ? 1.25 : 1 / 1.25, event.clientX - rect.left);
      },
      { passive: false },
    );
    this.canvas.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      this.drag = { x: event.clientX, scrollLeft: this.scroller.scrollLeft, moved: false };
      this.canvas.setPointerCapture(event.pointerId);
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (this.drag) {
        const dx = event.clientX - this.drag.x;
        if (Math.abs(dx) > 3) this.drag.moved = true;
        if (this.drag.moved) {
          this.canvas.classList.add('dragging');
          this.scroller.scrollLeft = this.drag.scrollLeft - dx;
          this.hideTooltip();
          return;
        }
      }
      const hit = this.hitTest(event.offsetX, event.offsetY);
      if (!sameRef(hit, this.hovered)) {
        this.hovered = hit;
        this.requestDraw();
      }
      if (hit) this.showTooltip(hit, event.clientX, event.clientY);
      else if (!this.focused) this.hideTooltip();
    });
    const endDrag = (event: PointerEvent): void => {
      const drag = this.drag;
      this.drag = undefined;
      this.canvas.classList.remove('dragging');
      if (drag && !drag.moved && event.type === 'pointerup') {
        const hit = this.hitTest(event.offsetX, event.offsetY);
        this.focused = hit;
        if (hit) this.announce(hit);
        this.requestDraw();
      }
    };
    this.canvas.addEventListener('pointerup', endDrag);
    this.canvas.addEventListener('pointercancel', endDrag);
    this.canvas.addEventListener('pointerleave', () => {
      if (this.hovered) {
        this.hovered = undefined;
        this.requestDraw();
      }
      if (this.focused && document.activeElement === this.canvas) this.showTooltipAtBar(this.focused);
      else this.hideTooltip();
    });
    this.canvas.addEventListener('focus', () => {
      if (!this.focused) this.focused = this.firstTask();
      if (this.focused) this.showTooltipAtBar(this.focused);
      this.requestDraw();
    });
    this.canvas.addEventListener('blur', () => {
      this.hideTooltip();
      this.requestDraw();
    });
    this.canvas.addEventListener('keydown', (event) => this.onKey(event));
  }

  private onKey(event: KeyboardEvent): void {
    const width = this.width();
    switch (event.key) {
      case '+':
      case '=':
        this.zoomBy(ZOOM_STEP, width / 2);
        break;
      case '-':
        this.zoomBy(1 / ZOOM_STEP, width / 2);
        break;
      case '0':
        this.fit();
        break;
      case 'Escape':
        this.hideTooltip();
        return;
      case 'ArrowLeft':
      case 'ArrowRight':
      case 'ArrowUp':
      case 'ArrowDown':
      case 'Home':
      case 'End':
        this.moveFocus(event.key);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  private moveFocus(key: string): void {
    const current = this.focused ?? this.firstTask();
    if (!current) return;
    let next: TaskRef | undefined = current;
    const laneIndex = this.lanes.indexOf(current.lane);
    if (key === 'ArrowLeft') next = { lane: current.lane, position: Math.max(0, current.position - 1) };
    else if (key === 'ArrowRight') next = { lane: current.lane, position: Math.min(current.lane.tasks.length - 1, current.position + 1) };
    else if (key === 'Home') next = { lane: current.lane, position: 0 };
    else if (key === 'End') next = { lane: current.lane, position: current.lane.tasks.length - 1 };
    else {
      const direction = key === 'ArrowUp' ? -1 : 1;
      const time = current.lane.startMs[current.position];
      for (let i = laneIndex + direction; i >= 0 && i < this.lanes.length; i += direction) {
        const lane = this.lanes[i];
        if (lane.tasks.length === 0) continue;
        next = { lane, position: nearestByStart(lane.startMs, time) };
        break;
      }
    }
    if (!next || next.lane.tasks.length === 0) return;
    this.focused = next;
    this.scrollIntoView(next);
    this.draw();
    this.showTooltipAtBar(next);
    this.announce(next);
  }

  private scrollIntoView(ref: TaskRef): void {
    if (this.fitted) return;
    const width = this.width();
    const start = PAD_LEFT + ref.lane.startMs[ref.position] * this.pxPerMs;
    const end = PAD_LEFT + ref.lane.endMs[ref.position] * this.pxPerMs;
    if (start < this.scroller.scrollLeft || end > this.scroller.scrollLeft + width) {
      this.scroller.scrollLeft = Math.max(0, (start + end) / 2 - width / 2);
    }
  }

  private firstTask(): TaskRef | undefined {
    const lane = this.lanes.find((l) => l.tasks.length > 0);
    return lane ? { lane, position: 0 } : undefined;
  }

  private findTask(key: string): TaskRef | undefined {
    for (const lane of this.lanes) {
      const position = lane.tasks.findIndex((task) => task.key === key);
      if (position >= 0) return { lane, position };
    }
    return undefined;
  }

  private hitTest(x: number, y: number): TaskRef | undefined {
    const lane = this.lanes.find((l) => y >= l.y && y < l.y + LANE_HEIGHT);
    if (!lane || lane.tasks.length === 0) return undefined;
    const scrollLeft = this.fitted ? 0 : this.scroller.scrollLeft;
    const ms = (x + scrollLeft - PAD_LEFT) / this.pxPerMs;
    const toleranceMs = 3 / this.pxPerMs;
    let best: TaskRef | undefined;
    let bestDistance = Infinity;
    for (let i = firstVisible(lane.maxEndMs, ms - toleranceMs); i < lane.tasks.length && lane.startMs[i] <= ms + toleranceMs; i++) {
      const distance = ms < lane.startMs[i] ? lane.startMs[i] - ms : ms > lane.endMs[i] ? ms - lane.endMs[i] : 0;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = { lane, position: i };
      }
    }
    return best;
  }

  private showTooltipAtBar(ref: TaskRef): void {
    const rect = this.canvas.getBoundingClientRect();
    const scrollLeft = this.fitted ? 0 : this.scroller.scrollLeft;
    const x = rect.left + PAD_LEFT + ref.lane.startMs[ref.position] * this.pxPerMs - scrollLeft;
    this.showTooltip(ref, Math.max(rect.left, Math.min(rect.right - 20, x)), rect.top + ref.lane.y + LANE_HEIGHT);
  }

  private showTooltip(ref: TaskRef, clientX: number, clientY: number): void {
    const task = ref.lane.tasks[ref.position];
    const start = ref.lane.startMs[ref.position];
    const end = ref.lane.endMs[ref.position];
    const lines: HTMLElement[] = [
      el('div', { className: 'tooltip-title' }, [
        el('span', { className: `status-swatch status-${task.status}` }),
        l10n.t('Task {0} · {1} · {2}', task.index, task.phase, STATUS_LABELS[task.status]),
      ]),
      tooltipLine(l10n.t('args'), task.argsPreview !== undefined ? truncate(task.argsPreview, 300) : '…'),
      tooltipLine(l10n.t('start'), formatMs(start)),
      tooltipLine(l10n.t('end'), task.status === 'running' ? l10n.t('running…') : formatMs(end)),
      tooltipLine(l10n.t('duration'), formatMs(task.durationMs ?? end - start)),
      ...this.cpuLines(task),
      tooltipLine(l10n.t('worker'), l10n.t('PID {0} · thread {1}', task.pid, task.threadId)),
    ];
    if (task.error) lines.push(tooltipLine(l10n.t('error'), truncate(`${task.error.name}: ${task.error.message}`, 300), 'tooltip-error'));
    else if (task.resultPreview !== undefined) lines.push(tooltipLine(l10n.t('result'), truncate(task.resultPreview, 300)));
    this.tooltip.replaceChildren(...lines);
    this.tooltip.hidden = false;
    const box = this.tooltip.getBoundingClientRect();
    const left = Math.min(clientX + 14, window.innerWidth - box.width - 8);
    const top = clientY + 14 + box.height > window.innerHeight ? clientY - box.height - 10 : clientY + 14;
    this.tooltip.style.left = `${Math.max(4, left)}px`;
    this.tooltip.style.top = `${Math.max(4, top)}px`;
  }

  /** CPU, wait for a CPU and blocked time; a dash and the reason where the figure is missing, never a 0. */
  private cpuLines(task: ViewTask): HTMLElement[] {
    if (task.status === 'running' || task.status === 'queued') return [];
    const missing = missingFigureReason(this.measurement, task);
    const line = (label: string, ms: number | undefined): HTMLElement => tooltipLine(label, ms === undefined ? `— (${missing})` : formatMs(ms), ms === undefined ? 'tooltip-missing' : '');
    return [line(l10n.t('cpu'), task.cpuMs), line(l10n.t('cpu wait'), task.waitMs), line(l10n.t('blocked'), blockedMs(task))];
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  private announce(ref: TaskRef): void {
    const task = ref.lane.tasks[ref.position];
    this.announcer.textContent = l10n.t('Task {0}, {1}, {2}, start {3}, end {4}', task.index, task.phase, STATUS_LABELS[task.status], formatMs(ref.lane.startMs[ref.position]), formatMs(ref.lane.endMs[ref.position]));
  }
}

/**
 * Why a task has no CPU or wait figure: the platform cannot give one, the report predates them, the task never ran, or
 * it came right after a task too small to time on the CPU clock.
 */
export function missingFigureReason(measurement: MeasurementInfo | undefined, task?: { durationMs?: number; startUs?: number }): string {
  if (!measurement) return l10n.t('not recorded in this report');
  if (measurement.taskCpu === 'unavailable' || measurement.taskWait === 'unavailable') return NOT_MEASURED;
  if (task && task.durationMs === undefined && task.startUs === undefined) return l10n.t('the task did not run');
  return l10n.t('not measured for this task: it came right after a task under 0.1 ms on its worker, and tasks that small are not timed on the CPU clock');
}

function tooltipLine(label: string, value: string, className = ''): HTMLElement {
  return el('div', { className: `tooltip-line ${className}` }, [el('span', { className: 'tooltip-label', text: label }), el('span', { className: 'tooltip-value', text: value })]);
}

function sameRef(a: TaskRef | undefined, b: TaskRef | undefined): boolean {
  return a === b || (!!a && !!b && a.lane === b.lane && a.position === b.position);
}

/** Index of the first bar whose running-max end reaches `ms`. */
function firstVisible(maxEndMs: Float64Array, ms: number): number {
  let lo = 0;
  let hi = maxEndMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (maxEndMs[mid] < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function nearestByStart(startMs: Float64Array, ms: number): number {
  let best = 0;
  for (let i = 1; i < startMs.length; i++) if (Math.abs(startMs[i] - ms) < Math.abs(startMs[best] - ms)) best = i;
  return best;
}

/** A lane's busy share, once its phase has ended: while it runs the engine's lane records still read 0 %. */
function laneUtilization(row: LaneLayout): number | undefined {
  return row.phase.status === 'running' ? undefined : row.phase.lanes.get(row.lane)?.utilization;
}
