// Counts a live run's tasks from its events and shows them in the status bar and the progress notification.
import * as vscode from 'vscode';
import { formatSpeedup } from '../core/format';
import type { RunEvent } from '../shared/events';
import type { RunPhase, RunReport } from '../shared/report';
import { speedupText } from '../shared/historyFormat';
import { Commands } from './commandIds';

/** What the run is doing now: the phase under way and its task counts. */
export interface ProgressCounts {
  phase?: RunPhase;
  warmup: boolean;
  repeat: number;
  workers: number;
  total: number;
  done: number;
  busy: number;
  failed: number;
}

export class RunProgressTracker {
  readonly counts: ProgressCounts = { warmup: false, repeat: 0, workers: 0, total: 0, done: 0, busy: 0, failed: 0 };
  private readonly started = new Set<number>();
  /** Set when counts changed since the last render, so an idle timer does no work. */
  changed = false;

  onEvent(event: RunEvent): void {
    const counts = this.counts;
    switch (event.type) {
      case 'phase-started':
        Object.assign(counts, { phase: event.phase, warmup: event.warmup, repeat: event.repeat, workers: event.workers, total: event.totalTasks, done: 0, busy: 0 });
        this.started.clear();
        break;
      case 'task-started':
        if (!this.started.has(event.index)) {
          this.started.add(event.index);
          counts.busy++;
        }
        break;
      case 'task-finished':
        if (this.started.delete(event.task.index)) counts.busy = Math.max(0, counts.busy - 1);
        counts.done++;
        if (event.task.status === 'error' || event.task.status === 'timeout') counts.failed++;
        break;
      default:
        return;
    }
    this.changed = true;
  }

  /** `parallel · 3/10 tasks · 2 busy` */
  describe(): string {
    const { phase, warmup, repeat, done, total, busy } = this.counts;
    if (!phase) return vscode.l10n.t('preparing…');
    const phaseName = phase === 'serial' ? vscode.l10n.t('serial') : vscode.l10n.t('parallel');
    const label = warmup ? vscode.l10n.t('warm-up {0}', phaseName) : repeat > 0 ? `${phaseName} #${repeat + 1}` : phaseName;
    return vscode.l10n.t('{0} · {1}/{2} tasks · {3} busy', label, done, total, busy);
  }
}

/** The status bar item: a spinner with counts during a run (click: show the panel), the speedup for a while after. */
export class RunStatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private hideTimer: NodeJS.Timeout | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('parallelRunner.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Parallel Runner';
    this.item.command = Commands.showPanel;
  }

  showRunning(targetName: string, tracker: RunProgressTracker): void {
    this.clearHideTimer();
    const { done, total, busy, phase } = tracker.counts;
    this.item.text = phase ? vscode.l10n.t('$(sync~spin) {0}/{1} tasks · {2} busy', done, total, busy) : vscode.l10n.t('$(sync~spin) preparing…');
    this.item.tooltip = vscode.l10n.t('Parallel Runner: {0} — {1}\nClick to show the panel.', targetName, tracker.describe());
    this.item.backgroundColor = undefined;
    this.item.show();
  }

  showFinished(report: RunReport | undefined, summary: string): void {
    this.clearHideTimer();
    if (!report || report.status !== 'completed') {
      this.item.hide();
      return;
    }
    const failed = report.summary.failedTasks > 0;
    // Never a bare number: the interval (or "1 pair") comes with it, as on the panel and the CodeLens.
    const estimate = report.summary.speedupEstimate;
    const speedup = estimate
      ? vscode.l10n.t('{0} speedup', speedupText(estimate))
      : report.summary.speedup !== undefined
        ? vscode.l10n.t('{0} speedup (1 pair)', formatSpeedup(report.summary.speedup))
        : report.summary.tasks === 1
          ? vscode.l10n.t('1 task done')
          : vscode.l10n.t('{0} tasks done', report.summary.tasks);
    this.item.text = `${failed ? '$(warning)' : '$(pulse)'} ${report.target.name}: ${speedup}`;
    this.item.tooltip = vscode.l10n.t('{0}\nClick to show the panel.', summary);
    this.item.backgroundColor = failed ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
    this.hideTimer = setTimeout(() => this.item.hide(), 15_000);
  }

  dispose(): void {
    this.clearHideTimer();
    this.item.dispose();
  }

  private clearHideTimer(): void {
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
  }
}
