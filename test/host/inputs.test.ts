// What the inputs box says as you type, the workspace-trust guard and the sweep's worker counts: pure pieces of the UI.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { inputsToRemember, MAX_REMEMBERED_INPUT_CHARS, validateInputsText } from '../../src/vscode/inputsPrompt';
import { sweepWorkerCounts } from '../../src/vscode/runController';
import { trustRefusal } from '../../src/vscode/trust';

describe('inputs box validation', () => {
  it('counts the tasks and previews the first calls for valid JSON', () => {
    const message = validateInputsText('[[1], [2], [3]]', 'longTimeTask');
    assert.equal(message.severity, vscode.InputBoxValidationSeverity.Info);
    assert.equal(message.message, '3 tasks: longTimeTask(1), longTimeTask(2), longTimeTask(3)');
  });

  it('accepts a JS expression and shows what it builds', () => {
    const message = validateInputsText('Array.from({ length: 5 }, (_, i) => [i, i + 1])', 'doSomething');
    assert.equal(message.severity, vscode.InputBoxValidationSeverity.Info);
    assert.match(message.message, /^5 tasks: doSomething\(0, 1\), doSomething\(1, 2\)/);
  });

  it('cuts a long preview with an ellipsis', () => {
    const message = validateInputsText(JSON.stringify(Array.from({ length: 50 }, (_, i) => [i])), 'f');
    assert.match(message.message, /^50 tasks: f\(0\), f\(1\), .*…$/);
    assert.ok(message.message.length < 140);
  });

  it('says what to fix for an empty box, a mixed list and text that is neither JSON nor JS', () => {
    const empty = validateInputsText('', 'f');
    assert.equal(empty.severity, vscode.InputBoxValidationSeverity.Error);
    assert.match(empty.message, /no inputs/i);
    assert.match(empty.message, /\[\[1\], \[2\]\]/);

    const mixed = validateInputsText('[[1], 2]', 'f');
    assert.equal(mixed.severity, vscode.InputBoxValidationSeverity.Error);
    assert.match(mixed.message, /inputs\[1\]/);

    const garbage = validateInputsText('[[1], [2]', 'f');
    assert.equal(garbage.severity, vscode.InputBoxValidationSeverity.Error);
    assert.match(garbage.message, /JSON/);
  });

  it('keeps inputs to pre-fill the next box only when they are small enough for workspace state', () => {
    assert.equal(inputsToRemember('Array.from({ length: 100000 }, (_, i) => [i])'), 'Array.from({ length: 100000 }, (_, i) => [i])');
    assert.equal(inputsToRemember([[1, 2], [3, 4]]), '[[1,2],[3,4]]');
    assert.equal(inputsToRemember(Array.from({ length: 100_000 }, (_, i) => [i])), undefined, '100,000 argument lists given as an array');
    assert.equal(inputsToRemember(`[${'1,'.repeat(MAX_REMEMBERED_INPUT_CHARS / 2)}1]`), undefined, 'a very long text');
    assert.equal(inputsToRemember([[10n]]), undefined, 'a BigInt has no JSON form');
  });

  it('names an argument that cannot be sent to a worker', () => {
    const message = validateInputsText('[[() => 1]]', 'f');
    assert.equal(message.severity, vscode.InputBoxValidationSeverity.Error);
    assert.match(message.message, /function/);
  });
});

describe('workspace trust guard', () => {
  it('refuses with an explanation in an untrusted workspace and allows a trusted one', () => {
    assert.equal(trustRefusal(true), undefined);
    const refusal = trustRefusal(false);
    assert.ok(refusal);
    assert.match(refusal, /trusted workspace/);
    assert.match(refusal, /Manage Workspace Trust/);
  });
});

describe('sweep worker counts', () => {
  it('goes from 1 to at least the configured workers and up to twice the cores when tasks allow', () => {
    assert.deepEqual(sweepWorkerCounts(2, 2, 4), [1, 2, 3, 4]);
    assert.deepEqual(sweepWorkerCounts(2, 2, 1), [1, 2]);
    assert.deepEqual(sweepWorkerCounts(6, 2, 3), [1, 2, 3, 4, 5, 6]);
  });
});
