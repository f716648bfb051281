// The account: one bar from 0 to the parallel wall time, split into where that time went, the ideal marked, with advice.
import * as l10n from '@vscode/l10n';
import type { AccountSegment, AccountSegmentKey, RunAccount } from '../shared/report';
import { el } from './dom';
import { formatMs, workersText } from './format';

/** Segments smaller than this are left out of the bar and the table: they would draw nothing and read as 0. */
const NEGLIGIBLE_MS = 0.01;

/** What each term is called and what it means, with W workers. */
export const SEGMENT_INFO: Record<AccountSegmentKey, { label: string; meaning: (workers: number) => string; gain?: string }> = {
  work: { label: l10n.t('Work'), meaning: (w) => l10n.t('the serial run’s task time ÷ {0}: the ideal', workersText(w)) },
  contention: {
    label: l10n.t('Contention'),
    meaning: () => l10n.t('extra CPU the same tasks used in parallel: shared locks, memory bandwidth, allocator, GC'),
    gain: l10n.t('the same tasks used less CPU in parallel than alone'),
  },
  'cpu-wait': {
    label: l10n.t('Waiting for a CPU'),
    meaning: () => l10n.t('runnable with no core free: more busy threads than cores, or other programs'),
    gain: l10n.t('the tasks waited less for a CPU in parallel than alone'),
  },
  blocked: { label: l10n.t('Blocked'), meaning: () => l10n.t('extra time neither on a CPU nor runnable: sleeps, I/O, locks that sleep'), gain: l10n.t('the tasks were blocked less in parallel than alone') },
  slowdown: { label: l10n.t('Slowdown'), meaning: () => l10n.t('tasks slower in parallel than alone (no CPU figures here to say why)'), gain: l10n.t('the tasks ran faster in parallel than alone') },
  unmatched: { label: l10n.t('Unmatched'), meaning: () => l10n.t('parallel tasks with no serial time to compare with (failed or missing in the serial run)') },
  startup: { label: l10n.t('Start-up'), meaning: () => l10n.t('each worker’s time before its first task: worker start, module load') },
  dispatch: { label: l10n.t('Dispatch'), meaning: () => l10n.t('idle time between tasks on a worker: handing out tasks, returning results') },
  imbalance: { label: l10n.t('Imbalance'), meaning: () => l10n.t('workers idle after their last task: uneven tasks, input order, too few tasks') },
};

/** What a term means in this account: below zero a gain; the unmatched time of a run with no serial run is all of it. */
function meaningOf(segment: AccountSegment, account: RunAccount): string {
  if (segment.ms < 0) return gainMeaning(segment.key);
  if (segment.key === 'unmatched' && account.serialRepeat < 0) return l10n.t('the tasks’ time ÷ {0}, with no serial run to compare it with', workersText(account.workers));
  return SEGMENT_INFO[segment.key].meaning(account.workers);
}

/** What a term below zero means: a gain, never a negative width. */
function gainMeaning(key: AccountSegmentKey): string {
  return l10n.t('a gain: {0}', SEGMENT_INFO[key].gain ?? l10n.t('less of this in parallel than alone'));
}

/** `49 %`, `4.2 %`, `−3.1 %` of the parallel wall time. */
export function formatShare(ms: number, parallelMs: number): string {
  if (!(parallelMs > 0)) return '—';
  const percent = (ms / parallelMs) * 100;
  if (percent !== 0 && Math.abs(percent) < 0.05) return `${percent < 0 ? '−' : ''}<0.1 %`;
  const text = Math.abs(percent) < 9.95 ? percent.toFixed(1) : percent.toFixed(0);
  return `${text.replace('-', '−')} %`;
}

/** `waiting for a CPU`: the label as it reads inside a sentence. */
function inSentence(key: AccountSegmentKey): string {
  const label = SEGMENT_INFO[key].label;
  return label[0].toLowerCase() + label.slice(1);
}

function formatSignedMs(ms: number): string {
  return formatMs(ms).replace('-', '−');
}

/** The account section's body; rebuilt only when it is handed a different account. */
export class AccountView {
  readonly element: HTMLElement;
  private readonly caption = el('span', { className: 'muted', attrs: { 'data-testid': 'account-caption' } });
  private readonly body = el('div', { className: 'account-body' });
  private rendered: RunAccount | undefined | null = null;
  private renderedNote = '';
  private bar: HTMLElement | undefined;
  private readonly resize = new ResizeObserver(() => this.fitLabels());

  constructor() {
    this.element = el('section', { className: 'panel-section account-section', attrs: { 'aria-labelledby': 'account-heading', 'data-testid': 'account', hidden: true } }, [
      el('div', { className: 'section-header' }, [el('h2', { text: l10n.t('Where the parallel time went'), attrs: { id: 'account-heading' } }), this.caption]),
      this.body,
    ]);
  }

  /**
   * Shows `account`, or when it is missing `missingNote` (why this pair has none); hides the section when there is
   * neither. `caption` says which pair it is.
   */
  update(account: RunAccount | undefined, caption: string, missingNote?: string): void {
    if (this.caption.textContent !== caption) this.caption.textContent = caption;
    const note = account ? '' : (missingNote ?? '');
    if (account === this.rendered && note === this.renderedNote) return;
    this.rendered = account;
    this.renderedNote = note;
    this.element.hidden = !account && !note;
    this.resize.disconnect();
    this.bar = undefined;
    if (!account) {
      this.body.replaceChildren(...(note ? [el('p', { className: 'account-missing muted', text: note, attrs: { 'data-testid': 'account-missing' } })] : []));
      return;
    }
    this.body.replaceChildren(...this.render(account));
    if (this.bar) this.resize.observe(this.bar);
  }

  private render(account: RunAccount): HTMLElement[] {
    const parallelMs = account.parallelMs;
    const shown = account.segments.filter((segment) => Math.abs(segment.ms) >= NEGLIGIBLE_MS);
    const positive = shown.filter((segment) => segment.ms > 0);
    const gains = shown.filter((segment) => segment.ms < 0);
    // Gains (tasks faster in parallel than alone) take time off: the losses then add up to more than P, and the bar
    // is drawn to their sum with P marked on it, never with a negative width.
    const scaleMs = Math.max(parallelMs, positive.reduce((sum, segment) => sum + segment.ms, 0));
    const at = (ms: number): string => `${Math.min(100, Math.max(0, (ms / scaleMs) * 100)).toFixed(4)}%`;
    const describe = (segment: AccountSegment): string =>
      l10n.t('{0}: {1}, {2} of the parallel wall time', SEGMENT_INFO[segment.key].label, formatSignedMs(segment.ms), formatShare(segment.ms, parallelMs));

    const segments = positive.map((segment) => {
      const label = SEGMENT_INFO[segment.key].label;
      const node = el(
        'div',
        {
          className: `account-segment account-key-${segment.key}`,
          attrs: {
            role: 'img',
            'aria-label': describe(segment),
            title: `${describe(segment)}: ${SEGMENT_INFO[segment.key].meaning(account.workers)}`,
            'data-testid': 'account-segment',
            'data-key': segment.key,
            'data-ms': segment.ms,
            'data-fit': 'full',
          },
        },
        [
          el('span', { className: 'account-label account-label-full', text: `${label} ${formatMs(segment.ms)} · ${formatShare(segment.ms, parallelMs)}`, attrs: { 'aria-hidden': 'true' } }),
          el('span', { className: 'account-label account-label-short', text: formatShare(segment.ms, parallelMs), attrs: { 'aria-hidden': 'true' } }),
        ],
      );
      node.style.width = at(segment.ms);
      return node;
    });
    // Without a serial run there is no ideal to mark: the list of terms not computed says so.
    const hasIdeal = account.serialRepeat >= 0 && account.idealMs > 0;
    const markers: HTMLElement[] = [];
    if (hasIdeal) {
      const idealMarker = el('div', { className: 'account-marker account-marker-ideal', attrs: { 'aria-hidden': 'true', 'data-testid': 'account-ideal', 'data-ms': account.idealMs } });
      idealMarker.style.left = at(account.idealMs);
      markers.push(idealMarker);
    }
    if (scaleMs > parallelMs) {
      const wallMarker = el('div', { className: 'account-marker account-marker-wall', attrs: { 'aria-hidden': 'true', 'data-testid': 'account-wall' } });
      wallMarker.style.left = at(parallelMs);
      markers.push(wallMarker);
    }
    const summary = [
      l10n.t('Parallel wall time {0} on {1}', formatMs(parallelMs), workersText(account.workers)),
      ...shown.map(describe),
      hasIdeal ? l10n.t('ideal {0}', formatMs(account.idealMs)) : l10n.t('no ideal without a serial run'),
    ].join('; ');
    this.bar = el('div', { className: 'account-bar', attrs: { role: 'group', 'aria-label': summary, 'data-testid': 'account-bar', 'data-parallel-ms': parallelMs, 'data-scale-ms': scaleMs } }, [...segments, ...markers]);

    const idealLabel = el('span', { className: 'account-axis-label account-axis-ideal', text: l10n.t('ideal {0}', formatMs(account.idealMs)) });
    idealLabel.style.left = at(account.idealMs);
    const wallLabel = el('span', { className: 'account-axis-label account-axis-wall', text: l10n.t('parallel wall {0}', formatMs(parallelMs)) });
    wallLabel.style.left = at(parallelMs);
    // Labels near the ends are anchored to them so they never run off the bar.
    if ((account.idealMs / scaleMs) * 100 < 12) idealLabel.classList.add('anchor-start');
    if ((account.idealMs / scaleMs) * 100 > 88) idealLabel.classList.add('anchor-end');
    if ((parallelMs / scaleMs) * 100 > 80) wallLabel.classList.add('anchor-end');
    // The ideal is labelled above the bar and the wall below it: close together they would overlap on one line.
    const idealAxis = el('div', { className: 'account-axis-top', attrs: { 'aria-hidden': 'true' } }, hasIdeal ? [idealLabel] : []);
    const axis = el('div', { className: 'account-axis', attrs: { 'aria-hidden': 'true' } }, [el('span', { className: 'account-axis-label anchor-start', text: '0' }), wallLabel]);

    const gainTotal = gains.reduce((sum, segment) => sum + segment.ms, 0);
    const gainChip = gains.length
      ? el('div', { className: 'account-gain', attrs: { 'data-testid': 'account-gain', title: l10n.t('This time comes off the terms drawn in the bar: together they add up to the parallel wall time.') } }, [
          el('span', { className: 'account-gain-value', text: formatSignedMs(gainTotal) }),
          el('span', {
            className: 'muted',
            text: l10n.t(' gain: {0} ({1})', gains.map((segment) => `${inSentence(segment.key)} ${formatSignedMs(segment.ms)}`).join(', '), gains.length === 1 ? (SEGMENT_INFO[gains[0].key].gain ?? l10n.t('less in parallel than alone')) : l10n.t('less in parallel than alone')),
          }),
        ])
      : null;
    const figure = el('div', { className: 'account-figure' }, [el('div', { className: 'account-bar-wrap' }, [idealAxis, this.bar, axis]), gainChip]);

    const rows = shown.map((segment) =>
      el('tr', { attrs: { 'data-testid': 'account-row', 'data-key': segment.key, 'data-ms': segment.ms } }, [
        el('th', { attrs: { scope: 'row' } }, [el('span', { className: `account-swatch account-key-${segment.key}`, attrs: { 'aria-hidden': 'true' } }), SEGMENT_INFO[segment.key].label]),
        el('td', { className: 'numeric', text: formatSignedMs(segment.ms), attrs: { 'data-col': 'ms' } }),
        el('td', { className: 'numeric', text: formatShare(segment.ms, parallelMs), attrs: { 'data-col': 'share' } }),
        el('td', { className: 'account-meaning', text: meaningOf(segment, account) }),
      ]),
    );
    const total = el('tr', { className: 'account-total', attrs: { 'data-testid': 'account-total', 'data-ms': parallelMs } }, [
      el('th', { text: l10n.t('Parallel wall time'), attrs: { scope: 'row' } }),
      el('td', { className: 'numeric', text: formatMs(parallelMs), attrs: { 'data-col': 'ms' } }),
      el('td', { className: 'numeric', text: '100 %', attrs: { 'data-col': 'share' } }),
      el('td', { className: 'account-meaning muted', text: l10n.t('the terms above add up to it{0}', Math.abs(account.residualMs) >= 0.05 ? ` (within ${formatMs(Math.abs(account.residualMs))})` : '') }),
    ]);
    const table = el('table', { className: 'account-table', attrs: { 'data-testid': 'account-table' } }, [
      el('caption', { className: 'visually-hidden', text: l10n.t('Where the parallel wall time went, term by term') }),
      el('thead', {}, [el('tr', {}, [l10n.t('Term'), l10n.t('Time'), l10n.t('Share'), l10n.t('What it is')].map((name, i) => el('th', { className: i === 1 || i === 2 ? 'numeric' : '', text: name, attrs: { scope: 'col' } })))]),
      el('tbody', {}, [...rows, total]),
    ]);

    const parts: HTMLElement[] = [figure];
    const loss = account.largestLoss;
    if (loss) {
      parts.push(
        el('p', { className: 'account-advice', attrs: { 'data-testid': 'account-advice', 'data-key': loss.key } }, [
          el('strong', { text: l10n.t('Largest loss: {0}, {1} ({2}). ', inSentence(loss.key), formatMs(loss.ms), formatShare(loss.ms, parallelMs)) }),
          loss.advice,
        ]),
      );
    }
    if (account.unavailable.length) {
      parts.push(
        el('div', { className: 'account-unavailable', attrs: { 'data-testid': 'account-unavailable' } }, [
          el('p', { text: l10n.t('Not in this account:') }),
          el('ul', {}, account.unavailable.map((reason) => el('li', { text: reason }))),
        ]),
      );
    }
    parts.push(table);
    return parts;
  }

  /** Each segment shows its full label, only its share, or nothing: whichever fits its width. */
  private fitLabels(): void {
    if (!this.bar) return;
    for (const segment of this.bar.querySelectorAll<HTMLElement>('.account-segment')) {
      const room = segment.clientWidth - 8;
      const full = segment.querySelector('.account-label-full') as HTMLElement;
      const short = segment.querySelector('.account-label-short') as HTMLElement;
      const fit = full.offsetWidth <= room ? 'full' : short.offsetWidth <= room ? 'short' : 'none';
      if (segment.getAttribute('data-fit') !== fit) segment.setAttribute('data-fit', fit);
    }
  }
}
