// Writes a run to the "Parallel Runner" log channel: phase headers, each task's console lines with where it ran, one summary line.
import * as vscode from 'vscode';
import { formatDuration, logLinePrefix, summaryLine } from '../core/format';
import type { RunEvent } from '../shared/events';
import type { RunPhase, RunReport, TaskRecord } from '../shared/report';
import { shortLocation } from './userErrors';

/** Console output of later repeats is left out: the first measured repeat shows what a task prints. */
const LOGGED_REPEATS = 1;

export class RunLog implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private omittedRepeats = false;

  constructor() {
    this.channel = vscode.window.createOutputChannel('Parallel Runner', { log: true });
  }

  begin(description: string): void {
    this.omittedRepeats = false;
    this.channel.info(`▶ ${description}`);
  }

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'phase-started': {
        const phase = phaseName(event.phase);
        const what = event.warmup ? vscode.l10n.t('warm-up {0} run', phase) : event.repeat > 0 ? vscode.l10n.t('{0} run (repeat {1})', phase, event.repeat + 1) : vscode.l10n.t('{0} run', phase);
        const on = event.phase === 'serial' ? vscode.l10n.t('one after another') : event.workers === 1 ? vscode.l10n.t('on 1 worker') : vscode.l10n.t('on {0} workers', event.workers);
        this.channel.info(event.totalTasks === 1 ? vscode.l10n.t('{0}: 1 task {1}', what, on) : vscode.l10n.t('{0}: {1} tasks {2}', what, event.totalTasks, on));
        break;
      }
      case 'task-finished':
        this.writeTask(event.task);
        break;
      case 'phase-finished':
        if (event.phase.status !== 'completed') this.channel.warn(vscode.l10n.t('{0} run {1} after {2}', phaseName(event.phase.phase), event.phase.status, formatDuration(event.phase.wallMs)));
        else this.channel.info(vscode.l10n.t('{0} run took {1}', phaseName(event.phase.phase), formatDuration(event.phase.wallMs)));
        break;
      default:
        break;
    }
  }

  end(report: RunReport): void {
    if (this.omittedRepeats) this.channel.info(vscode.l10n.t('(console output of later repeats is not shown here; it is in the JSON export)'));
    for (const warning of report.warnings) this.channel.warn(warning.message);
    const line = summaryLine(report);
    if (report.status === 'completed' && report.summary.failedTasks === 0) this.channel.info(`■ ${line}`);
    else this.channel.warn(`■ ${line}`);
  }

  error(message: string): void {
    this.channel.error(message);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }

  private writeTask(task: TaskRecord): void {
    const prefix = logLinePrefix(task);
    if (task.repeat < LOGGED_REPEATS) {
      for (const log of task.logs) {
        for (const text of log.text.replace(/\n$/, '').split('\n')) {
          if (log.stream === 'stderr') this.channel.warn(`${prefix} ${text}`);
          else this.channel.info(`${prefix} ${text}`);
        }
      }
      if (task.logsTruncated) this.channel.info(vscode.l10n.t('{0} … (output truncated)', prefix));
    } else if (task.logs.length > 0) {
      this.omittedRepeats = true;
    }
    if (task.status === 'error' && task.error) {
      const where = task.error.location ? ` at ${shortLocation(task.error.location)}` : '';
      this.channel.error(`${prefix} ${task.error.name}: ${task.error.message}${where}`);
      if (task.error.stack && task.repeat < LOGGED_REPEATS) this.channel.error(task.error.stack);
    } else if (task.status === 'timeout') {
      this.channel.error(vscode.l10n.t('{0} timed out', prefix));
    }
  }
}

/** "serial" or "parallel", in the display language. */
function phaseName(phase: RunPhase): string {
  return phase === 'serial' ? vscode.l10n.t('serial') : vscode.l10n.t('parallel');
}
