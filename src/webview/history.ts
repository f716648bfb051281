// The history list of the shown run's function: date, backend, workers, speedup ± interval, status; open, set as baseline, compare two.
import type { HistoryEntry } from '../shared/history';
import { baselineChangeText, speedupText } from '../shared/historyFormat';
import type { FromWebviewMessage, ToWebviewMessage } from '../shared/protocol';
import { button, el } from './dom';

type HistoryMessage = Extract<ToWebviewMessage, { type: 'history' }>;

export class HistoryView {
  readonly element = el('section', { className: 'panel-section history', attrs: { 'aria-labelledby': 'history-heading', 'data-testid': 'history', hidden: true } });
  private message: HistoryMessage | undefined;
  /** Runs ticked for "Compare selected", at most two (the older is the baseline side). */
  private readonly selected = new Set<string>();

  constructor(private readonly post: ((message: FromWebviewMessage) => void) | undefined) {}

  set(message: HistoryMessage): void {
    this.message = message;
    for (const id of [...this.selected]) if (!message.entries.some((entry) => entry.id === id)) this.selected.delete(id);
    this.render();
  }

  private render(): void {
    const message = this.message;
    // Nothing to show in a standalone export (no host to ask) or before the host has answered.
    if (!message || !this.post) {
      this.element.hidden = true;
      return;
    }
    const post = this.post;
    this.element.hidden = false;
    const entries = [...message.entries].reverse();
    const shownIsBaseline = message.shownId !== undefined && message.shownId === message.baselineId;
    const shownKept = entries.some((entry) => entry.id === message.shownId);
    const setBaseline = button(shownIsBaseline ? 'This run is the baseline' : 'Set as Baseline', 'set-baseline', () => {
      if (message.shownId) post({ type: 'set-baseline', runId: message.shownId });
    });
    setBaseline.disabled = shownIsBaseline || !message.shownId || (!shownKept && message.note !== undefined);
    setBaseline.title = 'Compare later runs of this function with the run shown now';
    const actions: HTMLElement[] = [setBaseline];
    if (message.baselineId) actions.push(button('Clear baseline', 'clear-baseline', () => post({ type: 'clear-baseline' }), 'button secondary'));
    const compare = button('Compare selected', 'compare-selected', () => {
      const picked = entries.filter((entry) => this.selected.has(entry.id)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      if (picked.length === 2) post({ type: 'compare-runs', baselineId: picked[0].id, currentId: picked[1].id });
    }, 'button secondary');
    compare.disabled = this.selected.size !== 2;
    compare.title = 'Tick two runs: the later one is shown against the earlier';
    actions.push(compare);

    const header = el('div', { className: 'section-header' }, [
      el('h2', { text: `History of ${message.functionName}`, attrs: { id: 'history-heading' } }),
      el('span', { className: 'muted', text: `${entries.length} ${entries.length === 1 ? 'run' : 'runs'} kept` }),
      el('div', { className: 'run-actions' }, actions),
    ]);
    if (entries.length === 0) {
      this.element.replaceChildren(header, el('p', { className: 'muted', text: message.note ?? 'No runs of this function are kept yet.' }));
      return;
    }
    const rows = entries.map((entry) => this.row(entry, message, post));
    const table = el('table', { className: 'history-table', attrs: { 'data-testid': 'history-table' } }, [
      el('thead', {}, [
        el('tr', {}, ['', 'Run (against the baseline)', 'Speedup', 'Status', ''].map((text) => el('th', { text, attrs: { scope: 'col' } }))),
      ]),
      el('tbody', {}, rows),
    ]);
    const parts: HTMLElement[] = [header];
    if (message.note) parts.push(el('p', { className: 'muted', text: message.note }));
    parts.push(el('div', { className: 'table-scroll' }, [table]));
    this.element.replaceChildren(...parts);
  }

  private row(entry: HistoryEntry, message: HistoryMessage, post: (message: FromWebviewMessage) => void): HTMLTableRowElement {
    const isBaseline = entry.id === message.baselineId;
    const isShown = entry.id === message.shownId;
    const tick = el('input', { attrs: { type: 'checkbox', 'aria-label': `Select the run of ${new Date(entry.createdAt).toLocaleString()} to compare`, 'data-testid': 'history-select', checked: this.selected.has(entry.id) } });
    tick.addEventListener('change', () => {
      if (tick.checked) this.selected.add(entry.id);
      else this.selected.delete(entry.id);
      // Two at most: ticking a third unticks the oldest choice.
      while (this.selected.size > 2) this.selected.delete(this.selected.values().next().value as string);
      this.render();
    });
    const open = button(isShown ? 'Shown' : 'Open', 'history-open', () => post({ type: 'open-run', runId: entry.id }), 'button secondary');
    open.disabled = isShown;
    const change = entry.vsBaseline ? baselineChangeText(entry.vsBaseline).replace(/^vs baseline: /, 'vs baseline: ') : undefined;
    const badges = [isBaseline ? el('span', { className: 'history-badge baseline', text: 'baseline', attrs: { 'data-testid': 'history-baseline' } }) : null];
    return el('tr', { className: isShown ? 'history-shown' : '', attrs: { 'data-testid': 'history-row', 'data-run-id': entry.id, 'aria-current': isShown ? 'true' : undefined } }, [
      el('td', {}, [tick]),
      el('td', { className: 'history-run' }, [
        el('div', { text: new Date(entry.createdAt).toLocaleString() }, badges),
        el('div', { className: 'compare-interval muted', text: `${entry.backend} · ${entry.workers} ${entry.workers === 1 ? 'worker' : 'workers'}` }),
        change ? el('div', { className: 'history-change compare-interval', text: change }) : null,
      ]),
      el('td', { className: 'numeric' }, [
        el('div', { text: speedupText(entry.speedup) }),
        entry.speedup && entry.speedup.n > 1 ? el('div', { className: 'compare-interval muted', text: `${entry.speedup.low.toFixed(2)}–${entry.speedup.high.toFixed(2)} · n\u00a0${entry.speedup.n}` }) : null,
      ]),
      el('td', { className: `history-status status-color-${entry.status === 'completed' ? 'ok' : entry.status === 'failed' ? 'error' : 'cancelled'}`, text: entry.status }),
      el('td', {}, [open]),
    ]);
  }
}
