// Activation is lean, and package.json's commands and the registered handlers match one for one.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension } from './support';

interface ManifestCommand {
  command: string;
  title: string;
  category?: string;
}

interface ManifestMenuItem {
  command: string;
  when?: string;
  group?: string;
}

const EXPECTED_TITLES: Record<string, string> = {
  'parallelRunner.run': 'Run Function in Worker Pool',
  'parallelRunner.runWithOptions': 'Run with Options…',
  'parallelRunner.benchmark': 'Benchmark Function',
  'parallelRunner.sweep': 'Sweep Workers',
  'parallelRunner.rerunLast': 'Re-run Last',
  'parallelRunner.cancel': 'Cancel Run',
  'parallelRunner.showPanel': 'Show Panel',
  'parallelRunner.exportReport': 'Export Report…',
  'parallelRunner.openSample': 'Open Sample',
  'parallelRunner.openPythonSample': 'Open Python Sample',
  'parallelRunner.setBaseline': 'Set as Baseline',
  'parallelRunner.clearBaseline': 'Clear Baseline',
  'parallelRunner.compareRuns': 'Compare Two Runs…',
  'parallelRunner.openRun': 'Open Run from History',
  'parallelRunner.cleanUpHistory': 'Clean Up Run History of Removed Functions',
};

describe('activation', () => {
  it('activates without loading piscina, esbuild or @babel/parser and without starting an engine', async () => {
    const { api, extension } = await activateExtension();
    assert.equal(extension.isActive, true);
    assert.equal(api.engineStarted(), false, 'activation created the engine');
    const heavy = Object.keys(require.cache).filter((file) => /[\\/]node_modules[\\/](piscina|esbuild|@babel[\\/]parser)[\\/]/.test(file));
    assert.deepEqual(heavy, [], `activation loaded heavy modules:\n${heavy.join('\n')}`);
  });

  it('registers a handler for every command in package.json, and nothing else', async () => {
    const { extension } = await activateExtension();
    const declared = (extension.packageJSON.contributes.commands as ManifestCommand[]).map((c) => c.command).sort();
    const registered = (await vscode.commands.getCommands(true)).filter((id) => id.startsWith('parallelRunner.')).sort();
    assert.deepEqual(registered, declared);
    assert.deepEqual(declared, Object.keys(EXPECTED_TITLES).sort());
  });

  it('titles every command exactly, in the Parallel Runner category', async () => {
    const { extension } = await activateExtension();
    for (const command of extension.packageJSON.contributes.commands as ManifestCommand[]) {
      assert.equal(command.title, EXPECTED_TITLES[command.command], command.command);
      assert.equal(command.category, 'Parallel Runner', command.command);
    }
  });

  it('shows run commands only in TS/JS editors and Cancel only while running', async () => {
    const { extension } = await activateExtension();
    const palette = extension.packageJSON.contributes.menus.commandPalette as ManifestMenuItem[];
    const when = (id: string) => palette.find((item) => item.command === id)?.when ?? '';
    for (const id of ['parallelRunner.run', 'parallelRunner.runWithOptions', 'parallelRunner.benchmark', 'parallelRunner.sweep']) {
      for (const language of ['typescript', 'javascript', 'typescriptreact', 'javascriptreact']) assert.match(when(id), new RegExp(`editorLangId == ${language}\\b`), id);
    }
    assert.equal(when('parallelRunner.cancel'), 'parallelRunner.running');
    const context = extension.packageJSON.contributes.menus['editor/context'] as ManifestMenuItem[];
    assert.deepEqual(
      context.filter((item) => item.group?.startsWith('parallelRunner@')).map((item) => item.command).slice(0, 3),
      ['parallelRunner.run', 'parallelRunner.runWithOptions', 'parallelRunner.sweep'],
    );
  });

  it('declares activation on the four languages and on the restored panel', async () => {
    const { extension } = await activateExtension();
    const events = extension.packageJSON.activationEvents as string[];
    for (const language of ['typescript', 'javascript', 'typescriptreact', 'javascriptreact', 'python']) assert.ok(events.includes(`onLanguage:${language}`), language);
    assert.ok(events.includes('onWebviewPanel:parallelRunner.panel'));
    assert.equal(extension.packageJSON.capabilities.untrustedWorkspaces.supported, 'limited');
  });
});
