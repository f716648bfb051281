// One CSV row per task (RFC 4180), safe to open in a spreadsheet: text cells that look like formulas are defused.
import type { RunReport, TaskRecord } from '../../shared/report';
import { blockedMs, phaseRunOf } from '../format';

const COLUMNS: { title: string; cell: (task: TaskRecord, report: RunReport) => string | number | undefined }[] = [
  { title: 'phase', cell: (t) => t.phase },
  { title: 'repeat', cell: (t) => t.repeat },
  // Tells a worker sweep's runs apart: they share phase and repeat.
  { title: 'workers', cell: (t, report) => phaseRunOf(report, t)?.workers },
  { title: 'index', cell: (t) => t.index },
  { title: 'lane', cell: (t) => t.lane },
  { title: 'pid', cell: (t) => t.pid },
  { title: 'threadId', cell: (t) => t.threadId },
  { title: 'queuedUs', cell: (t) => t.queuedUs },
  { title: 'startUs', cell: (t) => t.startUs },
  { title: 'endUs', cell: (t) => t.endUs },
  { title: 'durationMs', cell: (t) => t.durationMs },
  // Empty where the platform gave no per-thread figures: an empty cell, never a 0 standing in for "not measured".
  { title: 'cpuMs', cell: (t) => t.cpuMs },
  { title: 'waitMs', cell: (t) => t.waitMs },
  { title: 'blockedMs', cell: (t) => blockedMs(t) },
  { title: 'status', cell: (t) => t.status },
  { title: 'args', cell: (t) => t.argsPreview },
  { title: 'result', cell: (t) => t.resultPreview },
  { title: 'errorName', cell: (t) => t.error?.name },
  { title: 'errorMessage', cell: (t) => t.error?.message },
  { title: 'errorLocation', cell: (t) => (t.error?.location ? `${t.error.location.file}:${t.error.location.line}:${t.error.location.column}` : undefined) },
  { title: 'logLines', cell: (t) => t.logs.length },
  { title: 'firstLogLine', cell: (t) => t.logs[0]?.text.split('\n')[0] },
];

export const CSV_COLUMNS: readonly string[] = COLUMNS.map((column) => column.title);

/** Header plus one row per task (serial then parallel, by repeat, sweep run and input index), CRLF line ends as RFC 4180 asks. */
export function toCsv(report: RunReport): string {
  const phaseOrder = { serial: 0, parallel: 1 };
  const runStart = (task: TaskRecord) => phaseRunOf(report, task)?.startUs ?? 0;
  const tasks = [...report.tasks].sort(
    (a, b) => phaseOrder[a.phase] - phaseOrder[b.phase] || a.repeat - b.repeat || runStart(a) - runStart(b) || a.index - b.index,
  );
  const lines = [CSV_COLUMNS.map(csvCell), ...tasks.map((task) => COLUMNS.map((column) => csvCell(column.cell(task, report))))];
  return lines.map((cells) => cells.join(',')).join('\r\n') + '\r\n';
}

/**
 * Renders one cell. Numbers stay numbers (a lane of -1 is data, not a formula); text starting with = + - @ (or a
 * tab/CR, which some spreadsheets skip) gets a leading apostrophe so it is shown, never evaluated (OWASP CSV injection).
 */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
