// What a person does in the code-server workbench (quick open, palette, context menu, CodeLens, input and save boxes), with bounded retries.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const QUICK_INPUT = '.quick-input-widget';
/** Where a failed attempt of a retried step leaves its screenshot. */
const RETRY_SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-results');

/** Polls `probe` until it returns a truthy value; fails with `what` and the last value seen once `timeoutMs` has passed. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs a flaky UI step up to `attempts` times, pressing Escape between tries so a half-open quick pick doesn't linger. */
export async function retry<T>(page: Page, what: string, step: (attempt: number) => Promise<T>, attempts = 3): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await step(attempt);
    } catch (error) {
      lastError = error;
      const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120)).catch(() => '?');
      console.error(`[ui] ${what}: attempt ${attempt} failed: ${(error as Error).message.split('\n')[0]} (focus on ${focused})`);
      const shot = path.join(RETRY_SCREENSHOTS, `ui-retry-${what.replace(/[^\w]+/g, '-').slice(0, 60)}-${attempt}.png`);
      await page.screenshot({ path: shot }).catch(() => undefined);
      await page.keyboard.press('Escape').catch(() => undefined);
      await page.waitForTimeout(500);
    }
  }
  throw new Error(`${what} failed ${attempts} times: ${(lastError as Error).message}`);
}

/**
 * Opens quick open: by its key on the first try, by a click on the title bar's search box (the command center) after that,
 * which works wherever the keyboard focus is (a '>' typed first makes it the command palette).
 */
async function openQuickInput(page: Page, key: string, attempt: number): Promise<Locator> {
  if (attempt === 1) await page.keyboard.press(key);
  else await page.locator('.command-center .command-center-center').first().click({ force: true }); // a stale hover may cover it
  return quickInputVisible(page);
}

/**
 * Types `text` into the open quick input and waits until the list's focused row contains `rowText`. The picker may reset
 * its value once its provider loads, right after it opens: then the text is typed again rather than Enter picking the wrong row.
 */
async function fillQuickInput(widget: Locator, text: string, rowText: string): Promise<void> {
  const input = widget.locator('input');
  await until(
    `the quick input to hold "${text}" with "${rowText}" selected`,
    async () => {
      if ((await input.inputValue()) !== text) await input.fill(text);
      return (await widget.locator('.monaco-list-row.focused', { hasText: rowText }).count()) > 0;
    },
    20_000,
    300,
  );
}

async function quickInputVisible(page: Page): Promise<Locator> {
  const widget = page.locator(QUICK_INPUT);
  await widget.waitFor({ state: 'visible', timeout: 10_000 });
  return widget;
}

/**
 * Clicks the first editor group's active tab, if it has one: files open in the active group, and after a click in the panel
 * that is the panel's group, where the file would cover the panel.
 */
export async function focusFirstEditorGroup(page: Page): Promise<void> {
  const tab = page.locator('.part.editor .editor-group-container').first().locator('.tab.active');
  if ((await tab.count()) > 0) await tab.first().click();
}

/** Ctrl+P, the file name, Enter; waits until that file's tab is the active one. */
export async function quickOpen(page: Page, fileName: string): Promise<void> {
  await retry(page, `quick open ${fileName}`, async (attempt) => {
    await focusFirstEditorGroup(page);
    const widget = await openQuickInput(page, 'Control+P', attempt);
    await fillQuickInput(widget, fileName, fileName);
    await page.keyboard.press('Enter');
    await page.locator('.part.editor .editor-group-container').first().locator('.tab.active', { hasText: fileName }).waitFor({ timeout: 10_000 });
    await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 10_000 });
  });
}

/** F1, `>title`, then the row whose label is exactly that title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await retry(page, `run command "${title}"`, async (attempt) => {
    const widget = await openQuickInput(page, 'F1', attempt);
    await fillQuickInput(widget, `>${title}`, title);
    const row = widget.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: title }) }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.click();
    await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  });
}

/** Waits for an input box (showInputBox) and answers it; returns the prompt it showed. */
export async function answerInputBox(page: Page, text: string): Promise<string> {
  const widget = await quickInputVisible(page);
  const box = widget.locator('.quick-input-box input');
  await box.waitFor({ state: 'visible', timeout: 10_000 });
  const prompt = (await widget.locator('.quick-input-message').textContent({ timeout: 5_000 }).catch(() => '')) ?? '';
  await box.fill(text);
  // Enter in the box itself: a page that redraws under the box (the walkthrough ticking a step) can take the focus from it.
  await box.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 30_000 });
  return prompt;
}

/**
 * Answers code-server's save dialog (the simple file dialog: a quick input holding a path): replaces the path with `target`
 * and presses Enter, then confirms an overwrite if asked.
 */
export async function answerSaveDialog(page: Page, target: string): Promise<void> {
  const widget = await quickInputVisible(page);
  const box = widget.locator('.quick-input-box input');
  await box.waitFor({ state: 'visible', timeout: 10_000 });
  // The dialog fills in its default path shortly after it opens, which can overwrite a path typed too early: type it again
  // until it has held for two looks in a row. On a loaded machine the default can still land after Enter, and the dialog
  // then lists that folder instead of taking the file: type the path again, as a person would.
  for (let attempt = 1; ; attempt++) {
    let steady = 0;
    await until(`the save dialog to hold ${target}`, async () => {
      if ((await box.inputValue()) === target) return ++steady >= 2;
      steady = 0;
      await box.fill(target);
      return false;
    }, 20_000, 400);
    await box.press('Enter');
    try {
      await widget.waitFor({ state: 'hidden', timeout: 10_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
      console.error(`[ui] the file dialog is still open after Enter (it holds ${JSON.stringify(await box.inputValue().catch(() => '?'))}): typing ${target} again`);
    }
  }
}

/** The editor's line element (a `.view-line`) that contains `text`; scrolls there first with Ctrl+G so it is rendered. */
export async function revealLine(page: Page, file: string, text: string): Promise<Locator> {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`"${text}" is not in ${path.basename(file)}`);
  // Go to Line acts on the active editor: bring this file's tab to the front first (a click in the panel takes focus away).
  await page.locator('.tabs-container .tab', { hasText: path.basename(file) }).first().click();
  await retry(page, `go to line ${index + 1}`, async () => {
    await page.keyboard.press('Control+G');
    const widget = await quickInputVisible(page);
    await widget.locator('input').fill(`:${index + 1}`);
    await page.keyboard.press('Enter');
    await widget.waitFor({ state: 'hidden', timeout: 5_000 });
  });
  const line = page.locator('.monaco-editor .view-lines .view-line', { hasText: text }).first();
  await line.waitFor({ timeout: 10_000 });
  return line;
}

/** Clicks at the end of the line holding `text`, as a person puts the cursor inside a function body. */
export async function clickInLine(page: Page, file: string, text: string): Promise<Locator> {
  const line = await revealLine(page, file, text);
  const box = await line.boundingBox();
  if (!box) throw new Error(`line "${text}" has no box`);
  await page.mouse.click(box.x + Math.min(box.width, 400) - 4, box.y + box.height / 2);
  return line;
}

/** Right-clicks the line holding `text` and picks `label` from the editor's context menu. */
export async function contextMenu(page: Page, file: string, text: string, label: string): Promise<void> {
  await retry(page, `context menu "${label}"`, async () => {
    const line = await revealLine(page, file, text);
    const box = await line.boundingBox();
    if (!box) throw new Error(`line "${text}" has no box`);
    await page.mouse.click(box.x + 40, box.y + box.height / 2, { button: 'right' });
    const item = page.locator('.context-view .action-label', { hasText: label }).first();
    await item.waitFor({ state: 'visible', timeout: 5_000 });
    await item.click();
    const menu = page.locator('.context-view .monaco-menu');
    // A click that lands while the editor re-renders (CodeLens lines coming and going) can leave the menu open with
    // the item highlighted: Enter runs the highlighted item; a menu still open after that is an attempt to retry.
    if (!(await menu.waitFor({ state: 'hidden', timeout: 2_000 }).then(() => true, () => false))) {
      await page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden', timeout: 3_000 });
    }
  });
}

/** Clicks the CodeLens link `label` that sits directly above the line holding `declaration` (lenses off screen are hidden, not absent). */
export async function clickCodeLens(page: Page, file: string, declaration: string, label: string): Promise<void> {
  await retry(page, `CodeLens "${label}" above ${declaration}`, async () => {
    const line = await revealLine(page, file, declaration);
    const links = page.locator('.monaco-editor .codelens-decoration a', { hasText: label });
    const index = await until(
      `a "${label}" CodeLens right above "${declaration}"`,
      async () => {
        const lineBox = await line.boundingBox();
        if (!lineBox) return undefined;
        let best: { index: number; gap: number } | undefined;
        const count = await links.count();
        for (let i = 0; i < count; i++) {
          if (!(await links.nth(i).isVisible())) continue;
          const box = await links.nth(i).boundingBox();
          if (!box) continue;
          const gap = lineBox.y - box.y;
          if (gap > 0 && gap < 3 * lineBox.height && (!best || gap < best.gap)) best = { index: i, gap };
        }
        return best ? best.index + 1 : undefined; // +1: index 0 must count as found
      },
      30_000,
    );
    await links.nth(index - 1).click();
  });
}

/** The panel page inside the webview's two nested iframes. */
export function panelFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/**
 * Changes user settings as a person does: "Preferences: Open User Settings (JSON)", replace the text, save, close.
 * (code-server does not notice a settings.json written behind its back.) Returns the settings now in force.
 */
export async function editUserSettings(page: Page, userDataDir: string, changes: Record<string, unknown>): Promise<Record<string, unknown>> {
  const file = path.join(userDataDir, 'User', 'settings.json');
  const settings = { ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>), ...changes };
  const text = JSON.stringify(settings, null, 2);
  // Open it in the first group, where the focus then is: the paste below must land in settings.json and nowhere else.
  await focusFirstEditorGroup(page);
  await runCommand(page, 'Preferences: Open User Settings (JSON)');
  await page.locator('.editor-group-container.active .tab.active', { hasText: 'settings.json' }).waitFor({ timeout: 10_000 });
  await until('the settings.json editor to have the keyboard focus', async () =>
    page.evaluate(() => {
      const group = document.activeElement?.closest('.editor-group-container');
      return !!group && !!document.activeElement?.closest('.monaco-editor') && group.querySelector('.tab.active')?.getAttribute('data-resource-name') === 'settings.json';
    }),
  10_000);
  // Pasted, not typed: typing would trip the editor's auto-closing brackets and auto-indent.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(page.url()).origin });
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
  await page.keyboard.press('Control+S');
  await until('settings.json to be saved', async () => {
    if ((await page.locator('.tab.active.dirty', { hasText: 'settings.json' }).count()) > 0) return false;
    try {
      return JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8'))) === JSON.stringify(settings);
    } catch {
      return false;
    }
  }, 20_000);
  await page.keyboard.press('Control+W');
  await page.locator('.tab', { hasText: 'settings.json' }).waitFor({ state: 'detached', timeout: 10_000 });
  return settings;
}
