// The page's link to whoever shows it: the VS Code webview API, or nothing (a standalone HTML export).
import type { FromWebviewMessage, WebviewState } from '../shared/protocol';
import type { RunReport } from '../shared/report';

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface PanelHost {
  /** False in a standalone export: there is nobody to run, cancel or export for us. */
  readonly interactive: boolean;
  post(message: FromWebviewMessage): void;
  loadState(): WebviewState | undefined;
  saveState(state: WebviewState): void;
}

export function connectHost(): PanelHost {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return {
      interactive: true,
      post: (message) => api.postMessage(message),
      loadState: () => api.getState(),
      saveState: (state) => api.setState(state),
    };
  }
  return { interactive: false, post: () => undefined, loadState: () => undefined, saveState: () => undefined };
}

/** The report embedded by renderStandaloneHtml, if this page is an export. */
export function embeddedReport(): RunReport | undefined {
  const node = document.getElementById('report-data');
  if (!node?.textContent) return undefined;
  try {
    return JSON.parse(node.textContent) as RunReport;
  } catch (error) {
    console.error('parallel-runner: embedded report is not valid JSON', error);
    return undefined;
  }
}
