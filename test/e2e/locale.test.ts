// The packaged extension in a pseudo-localized code-server (--locale qps-ploc): command titles and the panel come from the
// l10n bundles, with no English left. The pseudo bundles are generated from package.nls.json and l10n/bundle.l10n.json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getL10nPseudoLocalized, type l10nJsonFormat } from '@vscode/l10n-dev';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import {browseWorkbench, closeWorkbench, type CodeServer, installVsix, repoRoot, startCodeServer } from '../harness/codeServer';
import { ensureVsix } from './vsix';
import { QUICK_INPUT, answerInputBox, panelFrame, quickOpen, until } from './workbench';

const RESULTS = path.join(repoRoot, 'test-results');
const SAMPLE = path.join(repoRoot, 'media', 'sample', 'seed-workloads.ts');
const LOCALE = 'qps-ploc';
/** English words of three letters or more, except units, acronyms and the user's own names that stay as they are. */
const ENGLISH = /\b(?!longTimeTask\b|ms\b|PID\b|JSON\b|CSV\b|HTML\b|piscina\b|CI\b)[A-Za-z]{2,}\b/;

function pseudo(file: string): string {
  return JSON.stringify(getL10nPseudoLocalized(JSON.parse(fs.readFileSync(file, 'utf8')) as l10nJsonFormat), null, 2);
}

describe(`the extension in a pseudo-localized code-server (--locale ${LOCALE})`, { timeout: 8 * 60_000 }, () => {
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let panel: FrameLocator;
  let workspace: string | undefined;
  let extensionsDir: string | undefined;

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-locale-extensions-'));
    installVsix(ensureVsix(), extensionsDir);
    const installed = fs.readdirSync(extensionsDir).find((name) => name.startsWith('parallel-runner.parallel-runner-'));
    assert.ok(installed, 'the .vsix did not install');
    // The translations a translator would add beside the English ones, generated here so no pseudo text ships.
    const extension = path.join(extensionsDir, installed);
    fs.writeFileSync(path.join(extension, `package.nls.${LOCALE}.json`), pseudo(path.join(extension, 'package.nls.json')));
    fs.writeFileSync(path.join(extension, 'l10n', `bundle.l10n.${LOCALE}.json`), pseudo(path.join(extension, 'l10n', 'bundle.l10n.json')));

    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-locale-'));
    fs.copyFileSync(SAMPLE, path.join(workspace, 'seed-workloads.ts'));
    const languagePacks = {
      [LOCALE]: {
        hash: 'parallel-runner-test',
        extensions: [{ extensionIdentifier: { id: 'parallel-runner-test.pseudo-language-pack' }, version: '1.0.0' }],
        translations: { vscode: path.join(repoRoot, 'test', 'fixtures', 'pseudo-language-pack', 'main.i18n.json') },
        label: 'Pseudo Language',
      },
    };
    server = await startCodeServer({
      workspace,
      extensionsDir,
      extraArgs: ['--locale', LOCALE],
      userDataFiles: { 'languagepacks.json': JSON.stringify(languagePacks) },
      settings: { 'parallelRunner.workers': 2, 'workbench.colorTheme': 'Default Dark Modern' },
    });
    ({ context, page } = await browseWorkbench(server, 'locale'));
    panel = panelFrame(page);
  });

  after(async () => {
    await closeWorkbench({ server, context, logFile: path.join(RESULTS, 'locale-code-server.log'), scratch: [workspace, extensionsDir] });
  });

  test('the command titles are translated, and the panel shows no English in its summary, sections and table', async () => {
    try {
      await quickOpen(page, 'seed-workloads.ts');
      // Every Parallel Runner command the palette lists, by its translated label (VS Code adds the English title beside it).
      await page.keyboard.press('F1');
      const widget = page.locator(QUICK_INPUT);
      await widget.waitFor({ state: 'visible' });
      await page.keyboard.type('Parallel Runner');
      const labels = await until('the palette to list the Parallel Runner commands', async () => {
        // The first label of each row is the title; VS Code adds the English original after it as an alias, on purpose.
        const found = await widget.locator('.monaco-list-row').evaluateAll((rows) => rows.map((row) => row.querySelector('.label-name')?.textContent ?? ''));
        return found.length >= 5 ? found : undefined;
      });
      await page.screenshot({ path: path.join(RESULTS, 'locale-palette.png') });
      assert.deepEqual(labels.filter((label) => ENGLISH.test(label)), [], `English in the palette: ${JSON.stringify(labels)}`);
      await page.keyboard.press('Escape');
      // The cursor into longTimeTask (Go to Line), then run it from the palette by its English alias, which VS Code keeps.
      const line = fs.readFileSync(SAMPLE, 'utf8').split('\n').findIndex((text) => text.includes('await sleep(i * 100);')) + 1;
      await page.keyboard.press('Control+G');
      await widget.waitFor({ state: 'visible' });
      await page.keyboard.type(String(line));
      await page.keyboard.press('Enter');
      await widget.waitFor({ state: 'hidden' });
      await page.keyboard.press('F1');
      await widget.waitFor({ state: 'visible' });
      await page.keyboard.type('Run Function in Worker Pool');
      await widget.locator('.monaco-list-row.focused').first().waitFor();
      await page.keyboard.press('Enter');
      const prompt = await answerInputBox(page, '[[1], [2], [3]]');
      assert.doesNotMatch(prompt, ENGLISH, `the inputs box says "${prompt}"`);
      // The Status card's class keeps the report's own code; its text is translated.
      await until('the run to complete', async () => (await panel.locator('.status-card-completed').count()) > 0, 180_000);
      const texts = await panel.locator(':root').evaluate(() => {
        // With the engine's own sentences: its warnings, the account's advice and the terms it could not compute.
        const selectors = ['h2', '.card-label', '.card-note', '.section-hint', '.legend li', 'th', '.button', '.lane-group-name', '.lane-label-busy', '[data-testid=run-status]', '[data-testid=warnings] li', '[data-testid=account-advice]', '[data-testid=account-unavailable] li', '.account-meaning'];
        return [...document.querySelectorAll(selectors.join(','))].map((node) => (node.textContent ?? '').trim()).filter(Boolean);
      });
      assert.equal(await panel.locator('[data-testid=account-advice]').count(), 1, 'the account gives no advice to read');
      await page.screenshot({ path: path.join(RESULTS, 'locale-panel.png') });
      assert.ok(texts.length > 30, `only ${texts.length} texts in the panel`);
      // The sample's file name is the user's, and a warning may name it.
      assert.deepEqual(texts.filter((text) => ENGLISH.test(text.replaceAll(path.basename(SAMPLE), ''))), [], 'English left in the pseudo-localized panel');
    } catch (error) {
      await page.screenshot({ path: path.join(RESULTS, 'locale-failure.png') }).catch(() => undefined);
      throw error;
    }
  });
});
