// The page's strings: English in the code, translated from the extension's l10n bundle that the host embeds as JSON
// (l10n/bundle.l10n.<language>.json, the one vscode.l10n.t reads). Imported first by main.ts, before any string is made.
import * as l10n from '@vscode/l10n';

const data = document.getElementById('l10n-data')?.textContent;
if (data) {
  try {
    l10n.config({ contents: JSON.parse(data) as l10n.l10nJsonFormat });
  } catch (error) {
    console.error('parallel-runner: the embedded l10n bundle is not valid JSON; showing English', error);
  }
}
