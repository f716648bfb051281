// The panel: the page says 'ready', receives live events in batches and the final report, and comes back with it when reopened.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, runCommand, sampleUri, waitFor } from './support';

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('parallelRunner.panel'));
}

describe('panel', function () {
  this.timeout(60_000);

  it('opens on a run, answers the handshake and receives the report', async () => {
    const { api } = await activateExtension();
    const outcome = await runCommand('parallelRunner.run', { uri: await sampleUri(), name: 'longTimeTask', inputs: [[1], [2]], options: { workers: 2 } });
    assert.ok(outcome);
    assert.equal(panelTabs().length, 1, 'one panel tab');
    const handshake = await waitFor('the page to receive the report', () => {
      const state = api.panelHandshake();
      return state && state.readyCount > 0 && state.deliveredReportId === outcome.report.id && state;
    }, 20_000);
    assert.equal(handshake.visible, true);
  });

  it('batches live events: a run of 2,000 tiny tasks reaches the page in a few messages', async () => {
    const { api } = await activateExtension();
    await waitFor('a ready panel', () => (api.panelHandshake()?.readyCount ?? 0) > 0, 20_000);
    const outcome = await runCommand('parallelRunner.run', {
      uri: await sampleUri(),
      name: 'fib',
      inputs: 'Array.from({ length: 2000 }, () => [1])',
      options: { workers: 2, compareWithSerial: false },
    });
    assert.ok(outcome);
    assert.equal(outcome.report.summary.tasks, 2000);
    const state = await waitFor('the report', () => {
      const s = api.panelHandshake();
      return s?.deliveredReportId === outcome.report.id && s;
    }, 20_000);
    assert.ok(state.eventMessages < 200, `${state.eventMessages} 'events' messages for ${state.deliveredEvents} events`);
  });

  it('comes back with the last report after it is closed and shown again', async () => {
    const { api } = await activateExtension();
    const outcome = await runCommand('parallelRunner.run', { uri: await sampleUri(), name: 'doSomething', inputs: [[0, 1]], options: { workers: 1 } });
    assert.ok(outcome);
    await vscode.window.tabGroups.close(panelTabs());
    await waitFor('the panel to close', () => api.panelHandshake() === undefined);
    await vscode.commands.executeCommand('parallelRunner.showPanel');
    const state = await waitFor('the reopened page to receive the report', () => {
      const s = api.panelHandshake();
      return s && s.deliveredReportId === outcome.report.id && s;
    }, 20_000);
    assert.equal(state.readyCount, 1);
  });
});
