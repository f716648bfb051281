// The task table: the accessible, sortable form of the timeline, one row per task, paginated past 200 rows.
import type { SourceLocation } from '../shared/report';
import { el } from './dom';
import { baseName, formatCount, formatMs, truncate } from './format';
import { blockedMs, type RunModel, type ViewTask } from './runModel';
import { STATUS_LABELS, missingFigureReason } from './timeline';

export const TABLE_PAGE_SIZE = 200;
/** Rows built per frame while a run is live (see render). */
const LIVE_ROWS_PER_FRAME = 25;
const MAX_LOG_LINES_SHOWN = 500;

type ColumnId = 'phase' | 'task' | 'lane' | 'pid' | 'thread' | 'start' | 'end' | 'duration' | 'cpu' | 'wait' | 'blocked' | 'status' | 'result';

interface RowContext {
  startMs?: number;
  endMs?: number;
}

interface RenderedRow {
  task: ViewTask;
  startMs?: number;
  endMs?: number;
  expanded: boolean;
  showRepeat: boolean;
  nodes: HTMLTableRowElement[];
}

interface Column {
  id: ColumnId;
  label: string;
  /** The header's tooltip, for columns whose name alone says too little. */
  title?: string;
  numeric: boolean;
  sortValue(task: ViewTask, ctx: RowContext): number | string;
}

const PHASE_RANK = { serial: 0, parallel: 1 } as const;
const STATUS_RANK = { error: 0, timeout: 1, cancelled: 2, running: 3, queued: 4, ok: 5 } as const;

const COLUMNS: Column[] = [
  { id: 'phase', label: 'Phase', numeric: false, sortValue: (t) => PHASE_RANK[t.phase] * 1e6 + t.repeat },
  { id: 'task', label: 'Task', numeric: true, sortValue: (t) => t.index },
  { id: 'lane', label: 'Lane', numeric: true, sortValue: (t) => t.lane },
  { id: 'pid', label: 'PID', numeric: true, sortValue: (t) => t.pid },
  { id: 'thread', label: 'Thread', numeric: true, sortValue: (t) => t.threadId },
  { id: 'start', label: 'Start', numeric: true, sortValue: (_t, c) => c.startMs ?? Infinity },
  { id: 'end', label: 'End', numeric: true, sortValue: (_t, c) => c.endMs ?? Infinity },
  { id: 'duration', label: 'Duration', numeric: true, sortValue: (t, c) => t.durationMs ?? (c.endMs !== undefined && c.startMs !== undefined ? c.endMs - c.startMs : Infinity) },
  { id: 'cpu', label: 'CPU', title: 'CPU time the task’s own thread used, ms', numeric: true, sortValue: (t) => t.cpuMs ?? Infinity },
  { id: 'wait', label: 'Wait', title: 'Time the task’s thread was runnable but waiting for a CPU, ms', numeric: true, sortValue: (t) => t.waitMs ?? Infinity },
  { id: 'blocked', label: 'Blocked', title: 'Duration − CPU − wait: sleeping, I/O, locks that sleep, ms', numeric: true, sortValue: (t) => blockedMs(t) ?? Infinity },
  { id: 'status', label: 'Status', numeric: false, sortValue: (t) => STATUS_RANK[t.status] },
  { id: 'result', label: 'Result / error', numeric: false, sortValue: (t) => (t.error ? `${t.error.name}: ${t.error.message}` : (t.resultPreview ?? '')) },
];

export interface TaskTableCallbacks {
  openLocation(location: SourceLocation): void;
}

export class TaskTable {
  readonly element: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly headers = new Map<ColumnId, HTMLTableCellElement>();
  private readonly pager: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly caption: HTMLTableCaptionElement;
  private sortColumn: ColumnId | undefined;
  private sortDescending = false;
  private page = 0;
  private readonly expanded = new Set<string>();
  private model: RunModel | undefined;
  private lastRevision = -1;
  private continuePending = false;
  private pagerParts: { prev: HTMLButtonElement; next: HTMLButtonElement; status: HTMLElement } | undefined;
  private origins: { revision: number; byPhase: Map<string, number> } | undefined;
  /** Rows drawn last time, reused while their task object and context are unchanged (live runs redraw often). */
  private renderedRows = new Map<string, RenderedRow>();

  constructor(private readonly callbacks: TaskTableCallbacks) {
    this.caption = el('caption', { className: 'visually-hidden', text: 'Tasks', attrs: { id: 'task-table-caption' } });
    const headRow = el('tr', { attrs: { role: 'row' } });
    for (const column of COLUMNS) {
      const sortButton = el('button', { className: 'sort-button', text: column.label, attrs: { type: 'button', 'data-sort': column.id } });
      sortButton.appendChild(el('span', { className: 'sort-indicator', attrs: { 'aria-hidden': 'true' } }));
      sortButton.addEventListener('click', () => this.sortBy(column.id));
      const th = el('th', { className: column.numeric ? 'numeric' : '', attrs: { scope: 'col', role: 'columnheader', 'data-col': column.id, title: column.title } }, [sortButton]);
      this.headers.set(column.id, th);
      headRow.appendChild(th);
    }
    this.body = el('tbody', { attrs: { role: 'rowgroup' } });
    // Fixed column widths (table-layout: fixed): a live frame that adds rows then costs no whole-table measuring.
    const columns = el('colgroup', {}, COLUMNS.map((column) => el('col', { className: `col-${column.id}` })));
    // The rows are laid out as CSS grids (media/panel.css): explicit roles keep this a table for assistive technology.
    this.table = el('table', { className: 'task-table', attrs: { 'data-testid': 'task-table', role: 'table', 'aria-labelledby': 'task-table-caption' } }, [
      this.caption,
      columns,
      el('thead', { attrs: { role: 'rowgroup' } }, [headRow]),
      this.body,
    ]);
    this.pager = el('div', { className: 'pager', attrs: { hidden: true } });
    this.scroller = el('div', { className: 'table-scroll' }, [this.table]);
    this.element = el('div', { className: 'task-table-wrap' }, [this.scroller, this.pager]);
    this.body.addEventListener('click', (event) => this.onBodyClick(event));
    this.body.addEventListener('keydown', (event) => this.onBodyKey(event));
    this.updateSortHeaders();
  }

  update(model: RunModel): void {
    this.model = model;
    if (model.revision === this.lastRevision) return;
    this.render();
  }

  /** A new run starts at its first page, scrolled to the left edge (the Phase and Task columns). */
  reset(): void {
    this.page = 0;
    this.scroller.scrollLeft = 0;
  }

  private sortBy(column: ColumnId): void {
    if (this.sortColumn === column) this.sortDescending = !this.sortDescending;
    else {
      this.sortColumn = column;
      this.sortDescending = false;
    }
    this.page = 0;
    this.updateSortHeaders();
    this.render();
  }

  private updateSortHeaders(): void {
    for (const [id, th] of this.headers) {
      const indicator = th.querySelector('.sort-indicator') as HTMLElement;
      if (id === this.sortColumn) {
        th.setAttribute('aria-sort', this.sortDescending ? 'descending' : 'ascending');
        indicator.textContent = this.sortDescending ? ' ▼' : ' ▲';
      } else {
        th.removeAttribute('aria-sort');
        indicator.textContent = '';
      }
    }
  }

  /** A task's start and end in ms from its phase's origin; origins are looked up once per phase and model revision. */
  private contextOf(model: RunModel, task: ViewTask): RowContext {
    if (this.origins?.revision !== model.revision) this.origins = { revision: model.revision, byPhase: new Map() };
    const key = task.repeat === 0 ? task.phase : `${task.phase}:${task.repeat}`;
    let origin = this.origins.byPhase.get(key);
    if (origin === undefined) this.origins.byPhase.set(key, (origin = model.phaseOriginUs(task.phase, task.repeat)));
    return {
      startMs: task.startUs !== undefined ? (task.startUs - origin) / 1000 : undefined,
      endMs: task.endUs !== undefined ? (task.endUs - origin) / 1000 : undefined,
    };
  }

  private render(): void {
    const model = this.model;
    if (!model) return;
    this.lastRevision = model.revision;
    const tasks = model.allTasks();
    let rows = tasks;
    const column = COLUMNS.find((c) => c.id === this.sortColumn);
    if (column) {
      const direction = this.sortDescending ? -1 : 1;
      // Contexts only for sorting by them: unsorted, only the page's rows need one.
      const keyed = tasks.map((task, order) => ({ task, order, value: column.sortValue(task, this.contextOf(model, task)) }));
      keyed.sort((a, b) => {
        const cmp = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : String(a.value).localeCompare(String(b.value));
        return cmp !== 0 && !Number.isNaN(cmp) ? cmp * direction : a.order - b.order;
      });
      rows = keyed.map((k) => k.task);
    }
    const pages = Math.max(1, Math.ceil(rows.length / TABLE_PAGE_SIZE));
    this.page = Math.min(this.page, pages - 1);
    const pageRows = rows.slice(this.page * TABLE_PAGE_SIZE, (this.page + 1) * TABLE_PAGE_SIZE);
    const showRepeat = model.repeats().length > 1;

    const focusedKey = (document.activeElement as HTMLElement | null)?.closest?.('tr[data-key]')?.getAttribute('data-key');
    const previous = this.renderedRows;
    this.renderedRows = new Map();
    const nodes: HTMLTableRowElement[] = [];
    // For a run followed live (and its final report), at most LIVE_ROWS_PER_FRAME rows are built per frame: one event
    // batch can turn a whole page of rows into queued tasks, or end a short run, at once, and building and laying out
    // all of them in one frame would stall the page. Rows past the budget keep their previous look (or wait) until
    // the next frame. A report shown on its own is drawn in one go.
    let budget = model.fromLiveRun ? LIVE_ROWS_PER_FRAME : Infinity;
    let unfinished = false;
    for (const task of pageRows) {
      const ctx = this.contextOf(model, task);
      const expanded = this.expanded.has(task.key);
      let rendered = previous.get(task.key);
      // A row is reused when it would read the same: the report that ends a live run, and the same report posted again
      // by the host, bring new task objects with the content the rows already show.
      if (rendered && rendered.task !== task && !expanded && sameRowContent(rendered.task, task)) rendered.task = task;
      if (!rendered || rendered.task !== task || rendered.startMs !== ctx.startMs || rendered.endMs !== ctx.endMs || rendered.expanded !== expanded || rendered.showRepeat !== showRepeat) {
        if (budget <= 0) {
          unfinished = true;
          if (!rendered) continue;
          this.renderedRows.set(task.key, rendered);
          nodes.push(...rendered.nodes);
          continue;
        }
        budget--;
        const rowNodes = [this.renderRow(task, ctx, showRepeat)];
        if (expanded) rowNodes.push(this.renderDetail(task));
        rendered = { task, startMs: ctx.startMs, endMs: ctx.endMs, expanded, showRepeat, nodes: rowNodes };
      }
      this.renderedRows.set(task.key, rendered);
      nodes.push(...rendered.nodes);
    }
    patchChildren(this.body, nodes);
    if (focusedKey) (this.body.querySelector(`tr[data-key="${CSS.escape(focusedKey)}"]`) as HTMLElement | null)?.focus();
    const caption = `Tasks: ${formatCount(rows.length)}`;
    if (this.caption.textContent !== caption) this.caption.textContent = caption;
    this.renderPager(rows.length, pages);
    if (unfinished && !this.continuePending) {
      this.continuePending = true;
      requestAnimationFrame(() => {
        this.continuePending = false;
        this.render();
      });
    }
  }

  private renderRow(task: ViewTask, ctx: RowContext, showRepeat: boolean): HTMLTableRowElement {
    const expanded = this.expanded.has(task.key);
    // A clone of one prepared row: a live frame builds dozens of rows, and cloning costs far less than createElement per cell.
    const row = rowTemplate().cloneNode(true) as HTMLTableRowElement;
    row.className = `task-row status-row-${task.status}`;
    row.setAttribute('data-key', task.key);
    row.setAttribute('data-phase', task.phase);
    row.setAttribute('data-index', String(task.index));
    row.setAttribute('data-repeat', String(task.repeat));
    row.setAttribute('data-status', task.status);
    row.setAttribute('aria-expanded', expanded ? 'true' : 'false');
    const cells = row.children;
    const phaseCell = cells[0];
    (phaseCell.firstChild as HTMLElement).textContent = expanded ? '▾ ' : '▸ ';
    phaseCell.appendChild(document.createTextNode(showRepeat ? `${task.phase} #${task.repeat + 1}` : task.phase));
    const durationMs = task.durationMs ?? (ctx.endMs !== undefined && ctx.startMs !== undefined ? ctx.endMs - ctx.startMs : undefined);
    cells[1].textContent = String(task.index);
    cells[2].textContent = task.lane >= 0 ? String(task.lane) : '—';
    cells[3].textContent = task.pid ? String(task.pid) : '—';
    cells[4].textContent = task.lane >= 0 || task.pid ? String(task.threadId) : '—';
    cells[5].textContent = formatMs(ctx.startMs);
    cells[6].textContent = formatMs(ctx.endMs);
    cells[7].textContent = formatMs(durationMs);
    const finished = task.status !== 'running' && task.status !== 'queued';
    this.fillFigureCell(cells[8] as HTMLElement, task, task.cpuMs, finished);
    this.fillFigureCell(cells[9] as HTMLElement, task, task.waitMs, finished);
    this.fillFigureCell(cells[10] as HTMLElement, task, blockedMs(task), finished);
    const statusCell = cells[11];
    (statusCell.firstChild as HTMLElement).className = `status-swatch status-${task.status}`;
    statusCell.appendChild(document.createTextNode(STATUS_LABELS[task.status]));
    this.fillResultCell(cells[12] as HTMLTableCellElement, task);
    return row;
  }

  /** A CPU, wait or blocked figure; a dash with the reason on hover where there is none (never a 0 standing in). */
  private fillFigureCell(cell: HTMLElement, task: ViewTask, ms: number | undefined, finished: boolean): void {
    if (ms !== undefined) {
      cell.textContent = formatMs(ms);
      return;
    }
    cell.textContent = '—';
    if (finished) {
      const reason = missingFigureReason(this.model?.report?.measurement, task);
      cell.title = reason;
      cell.setAttribute('aria-label', reason);
      cell.classList.add('missing-figure');
    }
  }

  private fillResultCell(td: HTMLTableCellElement, task: ViewTask): void {
    if (task.error) {
      td.classList.add('error-cell');
      td.appendChild(el('span', { className: 'error-text', text: truncate(`${task.error.name}: ${task.error.message}`, 400) }));
      const location = task.error.location;
      if (location) {
        const link = el('a', {
          className: 'location-link',
          text: `${baseName(location.file)}:${location.line}`,
          attrs: { href: '#', 'data-testid': 'error-location', title: `Open ${location.file}:${location.line}:${location.column}` },
        });
        link.addEventListener('click', (event) => {
          event.preventDefault();
          event.stopPropagation();
          this.callbacks.openLocation(location);
        });
        link.addEventListener('keydown', (event) => event.stopPropagation());
        td.append(' ', link);
      }
    } else if (task.resultPreview !== undefined) {
      td.textContent = truncate(task.resultPreview, 400);
    } else {
      td.textContent = task.status === 'running' ? 'running…' : '';
    }
  }

  private renderDetail(task: ViewTask): HTMLTableRowElement {
    const parts: HTMLElement[] = [];
    parts.push(el('div', { className: 'detail-line' }, [el('span', { className: 'detail-label', text: 'args' }), el('code', { text: task.argsPreview ?? '…' })]));
    if (task.resultPreview !== undefined) {
      parts.push(el('div', { className: 'detail-line' }, [el('span', { className: 'detail-label', text: 'result' }), el('code', { text: task.resultPreview })]));
    }
    if (task.error?.stack) parts.push(el('pre', { className: 'detail-stack', text: task.error.stack }));
    const logs = task.logs ?? [];
    if (logs.length === 0) {
      parts.push(el('p', { className: 'detail-empty', text: 'No console output.' }));
    } else {
      const shown = logs.slice(0, MAX_LOG_LINES_SHOWN);
      const pre = el('pre', { className: 'detail-logs', attrs: { 'data-testid': 'task-logs' } });
      for (const line of shown) pre.appendChild(el('span', { className: `log-line log-${line.stream}`, text: line.text.endsWith('\n') ? line.text : `${line.text}\n` }));
      parts.push(pre);
      const hidden = logs.length - shown.length;
      if (hidden > 0 || task.logsTruncated) {
        parts.push(el('p', { className: 'detail-empty', text: hidden > 0 ? `${hidden} more lines not shown.` : 'Output was cut at the per-task limit.' }));
      }
    }
    const td = el('td', { attrs: { colspan: COLUMNS.length, role: 'cell' } }, parts);
    return el('tr', { className: 'detail-row', attrs: { role: 'row', 'data-testid': 'task-detail', 'data-key': `${task.key}:detail` } }, [td]);
  }

  private renderPager(total: number, pages: number): void {
    if (this.pager.hidden !== pages <= 1) this.pager.hidden = pages <= 1;
    if (pages <= 1) {
      if (this.pager.firstChild) this.pager.replaceChildren();
      return;
    }
    // Built once and then updated in place: a live run re-renders the table often, and a rebuilt button loses a click.
    if (!this.pagerParts) {
      const prev = el('button', { className: 'button secondary', text: '‹ Previous', attrs: { type: 'button', 'data-testid': 'page-prev' } });
      const next = el('button', { className: 'button secondary', text: 'Next ›', attrs: { type: 'button', 'data-testid': 'page-next' } });
      prev.addEventListener('click', () => this.goToPage(this.page - 1));
      next.addEventListener('click', () => this.goToPage(this.page + 1));
      this.pagerParts = { prev, next, status: el('span', { className: 'pager-status', attrs: { 'aria-live': 'polite' } }) };
    }
    const { prev, next, status } = this.pagerParts;
    if (this.pager.firstChild !== prev) this.pager.replaceChildren(prev, status, next);
    const from = this.page * TABLE_PAGE_SIZE + 1;
    const to = Math.min(total, (this.page + 1) * TABLE_PAGE_SIZE);
    prev.disabled = this.page === 0;
    next.disabled = this.page >= pages - 1;
    const text = `Rows ${formatCount(from)}–${formatCount(to)} of ${formatCount(total)} · page ${this.page + 1} of ${pages}`;
    if (status.textContent !== text) status.textContent = text;
  }

  private goToPage(page: number): void {
    this.page = page;
    this.render();
  }

  private toggle(row: HTMLElement): void {
    const key = row.getAttribute('data-key');
    if (!key) return;
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
    this.render();
    (this.body.querySelector(`tr[data-key="${CSS.escape(key)}"]`) as HTMLElement | null)?.focus();
  }

  private onBodyClick(event: MouseEvent): void {
    const target = event.target as HTMLElement;
    if (target.closest('a, button') || window.getSelection()?.toString()) return;
    const row = target.closest('tr.task-row') as HTMLElement | null;
    if (row) this.toggle(row);
  }

  private onBodyKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    if (!target.matches('tr.task-row')) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.toggle(target);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      let sibling = (event.key === 'ArrowDown' ? target.nextElementSibling : target.previousElementSibling) as HTMLElement | null;
      while (sibling && !sibling.matches('tr.task-row')) sibling = (event.key === 'ArrowDown' ? sibling.nextElementSibling : sibling.previousElementSibling) as HTMLElement | null;
      sibling?.focus();
    }
  }
}

/** Whether two versions of a task show the same collapsed row (its detail row compares by identity: it is rarely open). */
function sameRowContent(a: ViewTask, b: ViewTask): boolean {
  return (
    a.key === b.key &&
    a.status === b.status &&
    a.lane === b.lane &&
    a.pid === b.pid &&
    a.threadId === b.threadId &&
    a.durationMs === b.durationMs &&
    a.cpuMs === b.cpuMs &&
    a.waitMs === b.waitMs &&
    a.resultPreview === b.resultPreview &&
    a.error?.name === b.error?.name &&
    a.error?.message === b.error?.message &&
    a.error?.location?.file === b.error?.location?.file &&
    a.error?.location?.line === b.error?.location?.line &&
    a.error?.location?.column === b.error?.location?.column
  );
}

let preparedRow: HTMLTableRowElement | undefined;

/** The elements every task row has, with the attributes all rows share; renderRow clones it and fills in the task. */
function rowTemplate(): HTMLTableRowElement {
  if (preparedRow) return preparedRow;
  const cell = (column: Column): HTMLTableCellElement =>
    el('td', { className: column.id === 'result' ? 'result-cell' : column.numeric ? 'numeric' : '', attrs: { role: 'cell', 'data-col': column.id } });
  const cells = COLUMNS.map(cell);
  cells[0].appendChild(el('span', { className: 'expander', attrs: { 'aria-hidden': 'true' } }));
  cells[COLUMNS.findIndex((column) => column.id === 'status')].appendChild(el('span', { className: 'status-swatch', attrs: { 'aria-hidden': 'true' } }));
  preparedRow = el('tr', { attrs: { role: 'row', 'data-testid': 'task-row', tabindex: 0 } }, cells);
  return preparedRow;
}

/** Makes parent's children exactly `nodes`, touching only what changed: an untouched tbody costs no table relayout. */
function patchChildren(parent: HTMLElement, nodes: Node[]): void {
  let cursor = parent.firstChild;
  for (const node of nodes) {
    if (node === cursor) {
      cursor = cursor.nextSibling;
      continue;
    }
    parent.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    parent.removeChild(cursor);
    cursor = next;
  }
}
