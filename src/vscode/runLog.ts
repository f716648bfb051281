// Writes a run to the "Parallel Runner" log channel: phase headers, each task's console lines with where it ran, one summary line.
import * as vscode from 'vscode';
import { formatDuration, logLinePrefix, summaryLine } from '../core/format';
import type { RunEvent } from '../shared/events';
import type { RunReport, TaskRecord } from '../shared/report';
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
        const what = event.warmup ? `warm-up ${event.phase} run` : `${event.phase} run${event.repeat > 0 ? ` (repeat ${event.repeat + 1})` : ''}`;
        const on = event.phase === 'serial' ? 'one after another' : `on ${event.workers} workers`;
        this.channel.info(`${what}: ${event.totalTasks} tasks ${on}`);
        break;
      }
      case 'task-finished':
        this.writeTask(event.task);
        break;
      case 'phase-finished':
        if (event.phase.status !== 'completed') this.channel.warn(`${event.phase.phase} run ${event.phase.status} after ${formatDuration(event.phase.wallMs)}`);
        else this.channel.info(`${event.phase.phase} run took ${formatDuration(event.phase.wallMs)}`);
        break;
      default:
        break;
    }
  }

  end(report: RunReport): void {
    if (this.omittedRepeats) this.channel.info('(console output of later repeats is not shown here; it is in the JSON export)');
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
      if (task.logsTruncated) this.channel.info(`${prefix} … (output truncated)`);
    } else if (task.logs.length > 0) {
      this.omittedRepeats = true;
    }
    if (task.status === 'error' && task.error) {
      const where = task.error.location ? ` at ${shortLocation(task.error.location)}` : '';
      this.channel.error(`${prefix} ${task.error.name}: ${task.error.message}${where}`);
      if (task.error.stack && task.repeat < LOGGED_REPEATS) this.channel.error(task.error.stack);
    } else if (task.status === 'timeout') {
      this.channel.error(`${prefix} timed out`);
    }
  }
}
