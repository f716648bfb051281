// CodeLens on the sample: three lenses on each runnable target's line, gone when parallelRunner.codeLens is off.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, sampleUri, updateSetting, waitFor } from './support';

/** 0-based line of the first match, and the column where the name starts. */
function lineOf(text: string, pattern: RegExp): number {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => pattern.test(l));
  assert.ok(line >= 0, `sample has no line matching ${pattern}`);
  return line;
}

async function ourLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.filter((lens) => lens.command?.command.startsWith('parallelRunner.'));
}

describe('CodeLens', () => {
  before(async () => {
    await activateExtension();
  });

  after(async () => {
    await updateSetting('codeLens', undefined);
  });

  it('puts Run in pool · Compare · Sweep above each runnable target of the sample', async () => {
    const uri = await sampleUri();
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    const lenses = await waitFor('CodeLens on the sample', async () => {
      const found = await ourLenses(uri);
      return found.length > 0 && found;
    });
    const byLine = new Map<number, string[]>();
    for (const lens of lenses) byLine.set(lens.range.start.line, [...(byLine.get(lens.range.start.line) ?? []), lens.command?.title ?? '']);
    const expected = [
      lineOf(text, /^export async function longTimeTask\(/),
      lineOf(text, /^export async function doSomething\(/),
      lineOf(text, /^export class MyProcess\b/),
      lineOf(text, /^export function countPrimes\(/),
    ];
    for (const line of expected) {
      assert.deepEqual(byLine.get(line), ['$(play) Run in pool', 'Compare', 'Sweep'], `line ${line + 1}: ${text.split('\n')[line]}`);
    }
    // The helper sleep() is not exported but is a top-level function: it may be listed; the inside of a function never is.
    const insideLongTimeTask = lineOf(text, /await sleep\(i \* 100\)/);
    assert.equal(byLine.has(insideLongTimeTask), false);
    const run = lenses.find((lens) => lens.range.start.line === expected[0] && lens.command?.command === 'parallelRunner.run');
    assert.equal((run?.command?.arguments?.[0] as { name?: string }).name, 'longTimeTask');
    const compare = lenses.find((lens) => lens.range.start.line === expected[0] && lens.command?.title === 'Compare');
    assert.equal(compare?.command?.command, 'parallelRunner.benchmark');
  });

  it('shows no lenses when parallelRunner.codeLens is off, and shows them again when it is on', async () => {
    const uri = await sampleUri();
    await updateSetting('codeLens', false);
    await waitFor('lenses to disappear', async () => (await ourLenses(uri)).length === 0 || undefined);
    await updateSetting('codeLens', true);
    await waitFor('lenses to come back', async () => (await ourLenses(uri)).length > 0 || undefined);
  });
});
