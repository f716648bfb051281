// Exports a RunReport as one offline HTML file: the panel page with its script, style and data inlined.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as l10n from '@vscode/l10n';
import { renderStandaloneHtml, type StandaloneHtmlOptions } from '../../shared/panelHtml';
import type { RunReport } from '../../shared/report';

export interface PanelAssets {
  /** dist/webview.js */
  script: string;
  /** media/panel.css */
  style: string;
}

/** `language` and its `l10n` bundle: the page reads as the panel it was exported from did (VS Code); none, English (the CLI). */
export function toHtml(report: RunReport, assets: PanelAssets, locale: Pick<StandaloneHtmlOptions, 'language' | 'l10n'> = {}): string {
  return renderStandaloneHtml({ script: assets.script, style: assets.style, report, nonce: randomBytes(16).toString('base64'), ...locale });
}

/** Reads the built page bundle and its stylesheet; fails with the path when the build has not run. */
export async function loadPanelAssets(distDir: string, mediaDir: string): Promise<PanelAssets> {
  const scriptPath = path.join(distDir, 'webview.js');
  const stylePath = path.join(mediaDir, 'panel.css');
  const [script, style] = await Promise.all([
    readFile(scriptPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(l10n.t('The panel script {0} is missing (run `npm run build`): {1}', scriptPath, error.code ?? error.message));
    }),
    readFile(stylePath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(l10n.t('The panel style {0} is missing: {1}', stylePath, error.code ?? error.message));
    }),
  ]);
  return { script, style };
}
