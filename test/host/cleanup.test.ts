// Disposing the engine (what deactivate() does) leaves no worker thread or child process behind.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { activateExtension, note, runCommand, sampleUri, waitFor } from './support';

function threadCount(): number {
  return fs.readdirSync('/proc/self/task').length;
}

/** Child processes of the extension host that are our process workers. */
function processWorkers(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('processWorker')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

describe('cleanup', function () {
  this.timeout(60_000);

  it('ends every worker thread and child process when the engine is disposed', async () => {
    const { api } = await activateExtension();
    await api.disposeEngine();
    await waitFor('no process workers', () => processWorkers().length === 0);
    await new Promise((r) => setTimeout(r, 500));
    const before = threadCount();

    const uri = await sampleUri();
    assert.ok(await runCommand('parallelRunner.run', { uri, name: 'longTimeTask', inputs: [[1], [1], [1]], options: { backend: 'threads', workers: 3, compareWithSerial: false } }));
    assert.ok(await runCommand('parallelRunner.run', { uri, name: 'longTimeTask', inputs: [[1], [1]], options: { backend: 'processes', workers: 2, compareWithSerial: false } }));
    const during = threadCount();
    const children = processWorkers();
    assert.ok(during >= before + 3, `the warm thread pool should be visible: ${before} threads before, ${during} after`);
    assert.equal(children.length, 2, 'the warm process pool should be visible');

    await api.disposeEngine();
    assert.equal(api.engineStarted(), false);
    await waitFor('child processes to exit', () => processWorkers().length === 0, 5000);
    const after = await waitFor('worker threads to exit', () => {
      const count = threadCount();
      return count <= before && count;
    }, 5000).catch(() => threadCount());
    note(`threads: ${before} before the runs, ${during} with warm pools, ${after} after dispose`);
    assert.ok(after <= before, `${after} threads after dispose, ${before} before the runs`);
  });
});
