// The extension runs in the workspace (server-side) extension host: under code-server the UI is a browser page, the pools run on the server.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { RunReport } from '../../src/shared/report';
import { EXTENSION_ID, activateExtension, note, runCommand, sampleUri, waitFor } from './support';

/** The parent PID from /proc (Linux); undefined when the process is gone. */
function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function workingLanes(report: RunReport) {
  const phase = report.phases.filter((p) => p.phase === 'parallel').at(-1);
  assert.ok(phase, 'the report has no parallel phase');
  return phase.lanes.filter((lane) => lane.tasks > 0);
}

describe('workspace extension host', function () {
  this.timeout(60_000);

  it('is declared and loaded as a workspace extension, in a Node host behind a browser UI', async () => {
    const { extension } = await activateExtension();
    assert.deepEqual(extension.packageJSON.extensionKind, ['workspace']);
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.extensionKind, vscode.ExtensionKind.Workspace);
    // code-server: the workbench is a web page, so a workspace-kind extension can only be here, in the server's Node process.
    assert.equal(vscode.env.uiKind, vscode.UIKind.Web, 'this suite expects code-server (a browser UI)');
    assert.equal(typeof process.pid, 'number');
    assert.ok(fs.existsSync(`/proc/${process.pid}`), 'the extension host is a process on this machine');
    // The server (code-server's Node process) started this host: walk up the parents to it.
    const ancestors: string[] = [];
    for (let pid: number | undefined = process.ppid; pid !== undefined && pid > 1 && ancestors.length < 6; pid = parentPid(pid)) ancestors.push(commandLine(pid));
    assert.ok(ancestors.some((line) => /code-server/.test(line)), `no code-server process among the extension host's parents:\n${ancestors.join('\n')}`);
    note(`extension host pid ${process.pid}, parent ${process.ppid} (${commandLine(process.ppid).slice(0, 120)}), remoteName ${vscode.env.remoteName ?? '(none)'}`);
  });

  for (const backend of ['threads', 'processes'] as const) {
    it(`shows the server's PIDs in the panel (${backend}): the host pid is this extension host's, lanes are it or its children`, async () => {
      const { api } = await activateExtension();
      const outcome = await runCommand('parallelRunner.run', {
        uri: await sampleUri(),
        name: 'longTimeTask',
        inputs: [[1], [1]],
        options: { backend, workers: 2, compareWithSerial: false },
      });
      assert.ok(outcome, 'the run returned nothing');
      const { report } = outcome;
      assert.equal(report.status, 'completed');
      // The panel shows this very report: the page was sent it after its handshake.
      await waitFor('the panel to receive the report', () => api.panelHandshake()?.deliveredReportId === report.id);
      assert.equal(report.host.pid, process.pid, "the report's host pid is not the extension host's");
      const lanes = workingLanes(report);
      assert.ok(lanes.length >= 1);
      let checked = 0;
      for (const lane of lanes) {
        if (backend === 'threads') assert.equal(lane.pid, process.pid, `thread lane ${lane.lane} has pid ${lane.pid}`);
        else {
          assert.notEqual(lane.pid, process.pid);
          // The pool may already have retired the worker; while it lives, its parent is this extension host.
          const parent = parentPid(lane.pid);
          if (parent === undefined) continue;
          checked++;
          assert.equal(parent, process.pid, `process lane ${lane.lane} (pid ${lane.pid}) is a child of ${parent}`);
        }
      }
      if (backend === 'processes') assert.ok(checked > 0, 'every worker process had exited before its parent could be read');
    });
  }
});
