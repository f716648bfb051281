// Run in a window whose folder is not trusted (run.ts opens one): run commands refuse and start nothing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, runCommand, workspaceFile } from './support';

describe('untrusted workspace', () => {
  it('is really untrusted, and the extension still activates (limited support)', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'run.ts should open this window without workspace trust');
    const { extension } = await activateExtension();
    assert.equal(extension.isActive, true);
  });

  it('refuses every run command and starts no engine', async () => {
    const { api } = await activateExtension();
    for (const command of ['parallelRunner.run', 'parallelRunner.benchmark', 'parallelRunner.sweep', 'parallelRunner.runWithOptions']) {
      const outcome = await runCommand(command, { uri: workspaceFile('workloads.ts'), name: 'nap', inputs: [[1]], options: { workers: 1 } });
      assert.equal(outcome, undefined, command);
    }
    assert.equal(api.engineStarted(), false, 'an engine was created in an untrusted workspace');
  });
});
