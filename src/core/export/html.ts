// Exports a RunReport as one offline HTML file: the panel page with its script, style and data inlined.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { renderStandaloneHtml } from '../../shared/panelHtml';
import type { RunReport } from '../../shared/report';

export interface PanelAssets {
  /** dist/webview.js */
  script: string;
  /** media/panel.css */
  style: string;
}

export function toHtml(report: RunReport, assets: PanelAssets): string {
  return renderStandaloneHtml({ script: assets.script, style: assets.style, report, nonce: randomBytes(16).toString('base64') });
}

/** Reads the built page bundle and its stylesheet; fails with the path when the build has not run. */
export async function loadPanelAssets(distDir: string, mediaDir: string): Promise<PanelAssets> {
  const scriptPath = path.join(distDir, 'webview.js');
  const stylePath = path.join(mediaDir, 'panel.css');
  const [script, style] = await Promise.all([
    readFile(scriptPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`The panel script ${scriptPath} is missing (run \`npm run build\`): ${error.code ?? error.message}`);
    }),
    readFile(stylePath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`The panel style ${stylePath} is missing: ${error.code ?? error.message}`);
    }),
  ]);
  return { script, style };
}
