// Loads the panel page in headless Debian chromium: as VS Code serves it (fake webview API) or as an HTML export.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { toHtml } from '../../src/core/export/html';
import { renderPanelHtml } from '../../src/shared/panelHtml';
import type { FromWebviewMessage, ToWebviewMessage, WebviewState } from '../../src/shared/protocol';
import type { RunReport } from '../../src/shared/report';

export const repoRoot = path.resolve(__dirname, '..', '..');
const PANEL_ORIGIN = 'https://panel.test';

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

let bundlePromise: Promise<{ script: string; style: string }> | undefined;

/** The page bundle built fresh from src with esbuild.mjs's browser options, plus media/panel.css. */
export function panelAssets(): Promise<{ script: string; style: string }> {
  bundlePromise ??= (async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [path.join(repoRoot, 'src/webview/main.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const style = await readFile(path.join(repoRoot, 'media/panel.css'), 'utf8');
    return { script: result.outputFiles[0].text, style };
  })();
  return bundlePromise;
}

let sampleCodePromise: Promise<string> | undefined;

/**
 * Makes sampleReport.ts's functions callable inside the page as `window.sampleReports`, so big reports are built
 * where they are used: handing megabytes of JSON through the automation protocol takes far longer than rendering them.
 */
export async function installSampleReports(page: Page): Promise<void> {
  sampleCodePromise ??= (async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [path.join(__dirname, 'sampleReport.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'sampleReports',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    return `${result.outputFiles[0].text}\nwindow.sampleReports = sampleReports;`;
  })();
  // Evaluated through the automation protocol, which the page's CSP does not govern.
  await page.evaluate(await sampleCodePromise);
}

/** --vscode-* variables as VS Code sets them on <html>, plus the body class it adds. */
export interface ThemeVariables {
  bodyClass: 'vscode-light' | 'vscode-dark' | 'vscode-high-contrast';
  variables: Record<string, string>;
}

const FONT = {
  '--vscode-font-family': "system-ui, 'Ubuntu', 'Droid Sans', sans-serif",
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': "'Droid Sans Mono', 'monospace', monospace",
};

export const LIGHT_THEME: ThemeVariables = {
  bodyClass: 'vscode-light',
  variables: {
    ...FONT,
    '--vscode-editor-background': '#ffffff',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#3b3b3b',
    '--vscode-disabledForeground': 'rgba(97, 97, 97, 0.5)',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-widget-border': '#e5e5e5',
    '--vscode-editorWidget-background': '#f8f8f8',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-textLink-foreground': '#005fb8',
    '--vscode-textLink-activeForeground': '#005fb8',
    '--vscode-errorForeground': '#f85149',
    '--vscode-editorWarning-foreground': '#bf8803',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-red': '#e51400',
    '--vscode-charts-green': '#388a34',
    '--vscode-charts-yellow': '#bf8803',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-purple': '#652d90',
    '--vscode-button-background': '#005fb8',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#0258a8',
    '--vscode-button-border': '#0000001a',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-secondaryHoverBackground': '#cccccc',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-editorGroupHeader-tabsBackground': '#f8f8f8',
    '--vscode-editorHoverWidget-background': '#f8f8f8',
    '--vscode-editorHoverWidget-foreground': '#3b3b3b',
    '--vscode-editorHoverWidget-border': '#c8c8c8',
    '--vscode-dropdown-background': '#ffffff',
    '--vscode-dropdown-foreground': '#3b3b3b',
    '--vscode-dropdown-border': '#cecece',
    '--vscode-textCodeBlock-background': '#f2f2f2',
    '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.16)',
  },
};

export const DARK_THEME: ThemeVariables = {
  bodyClass: 'vscode-dark',
  variables: {
    ...FONT,
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-disabledForeground': 'rgba(204, 204, 204, 0.5)',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-widget-border': '#313131',
    '--vscode-editorWidget-background': '#202020',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-textLink-foreground': '#4daafc',
    '--vscode-textLink-activeForeground': '#4daafc',
    '--vscode-errorForeground': '#f85149',
    '--vscode-editorWarning-foreground': '#cca700',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-red': '#f14c4c',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-yellow': '#cca700',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-purple': '#b180d7',
    '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#026ec1',
    '--vscode-button-border': 'rgba(255, 255, 255, 0.07)',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-secondaryHoverBackground': '#3c3c3c',
    '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-editorGroupHeader-tabsBackground': '#181818',
    '--vscode-editorHoverWidget-background': '#202020',
    '--vscode-editorHoverWidget-foreground': '#cccccc',
    '--vscode-editorHoverWidget-border': '#454545',
    '--vscode-dropdown-background': '#313131',
    '--vscode-dropdown-foreground': '#cccccc',
    '--vscode-dropdown-border': '#3c3c3c',
    '--vscode-textCodeBlock-background': '#2b2b2b',
    '--vscode-widget-shadow': 'rgba(0, 0, 0, 0.36)',
  },
};

export const HIGH_CONTRAST_THEME: ThemeVariables = {
  bodyClass: 'vscode-high-contrast',
  variables: {
    ...FONT,
    '--vscode-editor-background': '#000000',
    '--vscode-editor-foreground': '#ffffff',
    '--vscode-descriptionForeground': 'rgba(255, 255, 255, 0.7)',
    '--vscode-contrastBorder': '#6fc3df',
    '--vscode-panel-border': '#6fc3df',
    '--vscode-widget-border': '#6fc3df',
    '--vscode-editorWidget-background': '#0c141f',
    '--vscode-editorGroupHeader-tabsBackground': '#000000',
    '--vscode-textCodeBlock-background': '#000000',
    '--vscode-focusBorder': '#f38518',
    '--vscode-textLink-foreground': '#21a6ff',
    '--vscode-errorForeground': '#f48771',
    '--vscode-editorWarning-foreground': '#ffd370',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-red': '#f14c4c',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-yellow': '#ffd370',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-purple': '#b180d7',
    '--vscode-button-background': '#000000',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-border': '#6fc3df',
    '--vscode-button-secondaryBackground': '#000000',
    '--vscode-button-secondaryForeground': '#ffffff',
    '--vscode-editorHoverWidget-background': '#0c141f',
    '--vscode-editorHoverWidget-border': '#6fc3df',
    '--vscode-dropdown-background': '#000000',
    '--vscode-dropdown-border': '#6fc3df',
  },
};

export async function applyTheme(page: Page, theme: ThemeVariables): Promise<void> {
  await page.evaluate((t) => {
    for (const [name, value] of Object.entries(t.variables)) document.documentElement.style.setProperty(name, value);
    document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
    document.body.classList.add(t.bodyClass);
  }, theme);
  // The page re-reads canvas colours on the next frame after the theme mutation.
  await settle(page);
}

export interface PanelPage {
  page: Page;
  /** Dialogs (alert/confirm/prompt) the page opened: any at all means user text ran as script. */
  dialogs: string[];
  /** Page errors (uncaught exceptions) and CSP violations reported to the console. */
  errors: string[];
  /** Messages the page posted to the (fake) extension host, oldest first. */
  posted(): Promise<FromWebviewMessage[]>;
  /** What the page last stored with setState. */
  state(): Promise<WebviewState | undefined>;
  /** Sends a message as the extension host would (webview.postMessage). */
  send(message: ToWebviewMessage): Promise<void>;
  /** Waits until every queued animation frame has run, so the page has rendered what it was sent. */
  settle(): Promise<void>;
}

async function watchPage(page: Page): Promise<{ dialogs: string[]; errors: string[] }> {
  // tsx compiles the functions we hand to page.evaluate with esbuild's keepNames, which calls a `__name` helper.
  await page.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { dialogs, errors };
}

/** Three animation frames: the page renders in one, its task table in the next, and we read after both. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(resolve)))));
}

/**
 * Opens the page exactly as the VS Code panel host would build it (renderPanelHtml, external script and style under
 * the webview CSP), with a stand-in for acquireVsCodeApi that records posted messages and state.
 */
export async function openPanelPage(
  browser: Browser,
  options: { initialState?: WebviewState; theme?: ThemeVariables; width?: number; height?: number; l10n?: Record<string, string> } = {},
): Promise<PanelPage> {
  const assets = await panelAssets();
  const page = await browser.newPage({ viewport: { width: options.width ?? 1200, height: options.height ?? 900 } });
  const watched = await watchPage(page);
  const nonce = randomBytes(16).toString('base64');
  const html = renderPanelHtml({ cspSource: PANEL_ORIGIN, nonce, scriptUri: `${PANEL_ORIGIN}/dist/webview.js`, styleUri: `${PANEL_ORIGIN}/media/panel.css`, l10n: options.l10n });
  await page.route(`${PANEL_ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (url.pathname === '/dist/webview.js') return route.fulfill({ contentType: 'text/javascript', body: assets.script });
    if (url.pathname === '/media/panel.css') return route.fulfill({ contentType: 'text/css', body: assets.style });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.addInitScript((initialState) => {
    const w = window as unknown as { __posted: unknown[]; __state: unknown; acquireVsCodeApi: () => unknown };
    w.__posted = [];
    w.__state = initialState ?? undefined;
    let acquired = false;
    w.acquireVsCodeApi = () => {
      if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
      acquired = true;
      return {
        postMessage: (message: unknown) => w.__posted.push(message),
        getState: () => w.__state,
        setState: (state: unknown) => {
          w.__state = JSON.parse(JSON.stringify(state));
          return state;
        },
      };
    };
  }, options.initialState ?? null);
  await page.goto(`${PANEL_ORIGIN}/index.html`);
  if (options.theme) await applyTheme(page, options.theme);
  await settle(page);
  return {
    page,
    ...watched,
    posted: () => page.evaluate(() => (window as unknown as { __posted: FromWebviewMessage[] }).__posted),
    state: () => page.evaluate(() => (window as unknown as { __state: WebviewState | undefined }).__state),
    send: async (message) => {
      await page.evaluate((m) => window.postMessage(m, '*'), message);
      await settle(page);
    },
    settle: () => settle(page),
  };
}

/** Opens the offline HTML export of a report (toHtml), with no VS Code API in the page. */
export async function openExportedPage(
  browser: Browser,
  report: RunReport,
  options: { theme?: ThemeVariables; width?: number; height?: number; assets?: { script: string; style: string }; locale?: Parameters<typeof toHtml>[2] } = {},
): Promise<{ page: Page; html: string; dialogs: string[]; errors: string[] }> {
  const html = toHtml(report, options.assets ?? (await panelAssets()), options.locale);
  const page = await browser.newPage({ viewport: { width: options.width ?? 1200, height: options.height ?? 900 } });
  const watched = await watchPage(page);
  await page.route('https://export.test/**', (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.goto('https://export.test/report.html');
  if (options.theme) await applyTheme(page, options.theme);
  await settle(page);
  return { page, html, ...watched };
}

/** One axe-core finding, trimmed to what a failure message needs. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let axeSource: Promise<string> | undefined;

/**
 * Runs axe-core (WCAG 2.x A and AA rules plus best practices) on the page as it is now and returns its violations.
 * The script goes in through the automation protocol, which the page's CSP does not govern, as sampleReports does.
 */
export async function runAxe(page: Page): Promise<AxeFinding[]> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
  });
}
