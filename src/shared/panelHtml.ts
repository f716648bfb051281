// Builds the panel page's HTML: the VS Code webview shell (external script/style) and the self-contained export.
import type { RunReport } from './report';

export interface PanelHtmlOptions {
  /** webview.cspSource: the origin the script and style are served from. */
  cspSource: string;
  /** A fresh random nonce per render (base64 or hex, no quotes). */
  nonce: string;
  /** webview.asWebviewUri(dist/webview.js) as a string. */
  scriptUri: string;
  /** webview.asWebviewUri(media/panel.css) as a string. */
  styleUri: string;
  title?: string;
  /** The display language (vscode.env.language), for `<html lang>`. */
  language?: string;
  /** The extension's l10n bundle for that language (vscode.l10n.bundle), embedded as JSON for the page's strings. */
  l10n?: Record<string, string | { message: string; comment: string[] }>;
}

export interface StandaloneHtmlOptions {
  /** The webview bundle's source (dist/webview.js). */
  script: string;
  /** The page style (media/panel.css). */
  style: string;
  report: RunReport;
  nonce: string;
  /** The display language of the VS Code that exported it, for `<html lang>`; English when absent (the CLI). */
  language?: string;
  /** That language's l10n bundle, embedded as in the panel, so the export reads as the panel did. */
  l10n?: PanelHtmlOptions['l10n'];
}

const DEFAULT_TITLE = 'Parallel Runner';

/** The page the VS Code panel loads: no inline code, so the CSP needs no 'unsafe-inline'. */
export function renderPanelHtml(opts: PanelHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `img-src ${opts.cspSource} data:`,
    `style-src ${opts.cspSource}`,
    `script-src 'nonce-${opts.nonce}'`,
    `font-src ${opts.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${escapeAttribute(opts.language ?? 'en')}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(opts.styleUri)}">
<title>${escapeText(opts.title ?? DEFAULT_TITLE)}</title>
</head>
<body>
<main id="app"></main>
${opts.l10n ? `<script type="application/json" id="l10n-data">${jsonForScriptElement(opts.l10n)}</script>\n` : ''}<script nonce="${escapeAttribute(opts.nonce)}" src="${escapeAttribute(opts.scriptUri)}"></script>
</body>
</html>
`;
}

/** One HTML file that shows a finished report offline: script, style and data inlined, guarded by one nonce. */
export function renderStandaloneHtml(opts: StandaloneHtmlOptions): string {
  const nonce = escapeAttribute(opts.nonce);
  const csp = `default-src 'none'; img-src data:; style-src 'nonce-${opts.nonce}'; script-src 'nonce-${opts.nonce}'`;
  const title = `${opts.report.target.name} · ${DEFAULT_TITLE}`;
  return `<!DOCTYPE html>
<html lang="${escapeAttribute(opts.language ?? 'en')}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeText(title)}</title>
<style nonce="${nonce}">
${guardInlineStyle(opts.style)}
</style>
</head>
<body class="standalone">
<main id="app"></main>
<script type="application/json" id="report-data">${jsonForScriptElement(opts.report)}</script>
${opts.l10n ? `<script type="application/json" id="l10n-data">${jsonForScriptElement(opts.l10n)}</script>\n` : ''}<script nonce="${nonce}">
${guardInlineScript(opts.script)}
</script>
</body>
</html>
`;
}

/**
 * JSON that is safe inside a <script> element: no `<`, `>` or `&` can close the element or open a comment,
 * and U+2028/U+2029 stay escaped for older JS parsers. JSON.parse reads the escapes back unchanged.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function guardInlineScript(script: string): string {
  // A source map comment would point the exported file at a missing sibling; `</script` would end the element early.
  return script.replace(/^\/\/# sourceMappingURL=.*$/gm, '').replace(/<\/(script)/gi, '<\\/$1');
}

function guardInlineStyle(style: string): string {
  return style.replace(/^\/\*# sourceMappingURL=.*\*\/$/gm, '').replace(/<\/(style)/gi, '<\\/$1');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}
