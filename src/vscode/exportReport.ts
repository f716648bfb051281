// "Export Report…": JSON, CSV, Chrome trace or a standalone HTML page, written where the save dialog says.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { toChromeTrace, toCsv, toJson } from '../core/export';
import { loadPanelAssets, toHtml } from '../core/export/html';
import type { ExportFormat } from '../shared/protocol';
import type { RunReport } from '../shared/report';
import type { ExportCommandArgs } from './commandIds';

interface FormatItem extends vscode.QuickPickItem {
  format: ExportFormat;
}

const FORMATS: Record<ExportFormat, { label: string; extension: string; filter: string; detail: string }> = {
  json: { label: 'JSON', extension: 'json', filter: 'JSON', detail: vscode.l10n.t('The whole report: every task, lane, log line and option, to keep or compare later') },
  csv: { label: 'CSV', extension: 'csv', filter: 'CSV', detail: vscode.l10n.t('One row per task (phase, PID, thread, start, end, duration, status), for a spreadsheet') },
  trace: { label: vscode.l10n.t('Chrome trace'), extension: 'trace.json', filter: vscode.l10n.t('Trace Event JSON'), detail: vscode.l10n.t('Open in ui.perfetto.dev or chrome://tracing: one track per worker') },
  html: { label: vscode.l10n.t('Standalone HTML'), extension: 'html', filter: 'HTML', detail: vscode.l10n.t("The panel's charts and tables in one offline page, to share") },
};

/** The exported file, or undefined when the user dismissed a prompt. */
export async function exportReport(report: RunReport, extensionUri: vscode.Uri, args: ExportCommandArgs = {}): Promise<vscode.Uri | undefined> {
  const format = args.format ?? (await pickFormat());
  if (!format) return undefined;
  const spec = FORMATS[format];
  const target =
    args.uri !== undefined
      ? typeof args.uri === 'string'
        ? vscode.Uri.file(args.uri)
        : args.uri
      : await vscode.window.showSaveDialog({
          title: vscode.l10n.t('Export {0} report as {1}', report.target.name, spec.label),
          defaultUri: defaultExportUri(report, spec.extension),
          filters: { [spec.filter]: [spec.extension.split('.').pop() ?? spec.extension] },
          saveLabel: vscode.l10n.t('Export'),
        });
  if (!target) return undefined;
  const text = await render(report, format, extensionUri);
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  return target;
}

export async function render(report: RunReport, format: ExportFormat, extensionUri: vscode.Uri): Promise<string> {
  switch (format) {
    case 'json':
      return toJson(report);
    case 'csv':
      return toCsv(report);
    case 'trace':
      return JSON.stringify(toChromeTrace(report));
    case 'html': {
      const assets = await loadPanelAssets(vscode.Uri.joinPath(extensionUri, 'dist').fsPath, vscode.Uri.joinPath(extensionUri, 'media').fsPath);
      return toHtml(report, assets, { language: vscode.env.language, l10n: vscode.l10n.bundle });
    }
  }
}

async function pickFormat(): Promise<ExportFormat | undefined> {
  const items: FormatItem[] = (Object.keys(FORMATS) as ExportFormat[]).map((format) => ({
    format,
    label: FORMATS[format].label,
    description: `.${FORMATS[format].extension}`,
    detail: FORMATS[format].detail,
  }));
  const choice = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Export Report'), placeHolder: vscode.l10n.t('Pick a format') });
  return choice?.format;
}

/** `longTimeTask-2026-11-26-1533.json` in the first workspace folder (or the report's own folder). */
function defaultExportUri(report: RunReport, extension: string): vscode.Uri {
  const stamp = report.createdAt.replace(/[:T]/g, '-').replace(/\..*$/, '').replace(/-\d\d$/, '');
  const name = `${report.target.name.replace(/[^\w.-]/g, '_')}-${stamp}.${extension}`;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(report.target.file));
  return vscode.Uri.joinPath(folder, name);
}
