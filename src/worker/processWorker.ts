// The child-process worker (dist/processWorker.js): runs WorkerBatches sent over IPC and replies with outcomes.
import { serialize } from 'node:v8';
import * as l10n from '@vscode/l10n';
import { L10N_BUNDLE_VARIABLE, useL10nBundle } from '../shared/l10n';
import { packOutcomes, unpackBatch, type FromProcessWorker, type TaskOutcome, type ToProcessWorker } from '../shared/workerProtocol';
import { describeThrownSafely } from './cloneCheck';
import { installCrashHandlers, preloadTarget, replaceUncloneableValues, runWorkerBatch } from './taskRunner';

useL10nBundle(process.env[L10N_BUNDLE_VARIABLE]);

const identity = { pid: process.pid, threadId: 0 };
const runnerFiles = [__filename];

function send(message: FromProcessWorker): void {
  process.send?.(message);
}

function canSerialize(value: unknown): boolean {
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}

function sendOutcomes(id: number, outcomes: TaskOutcome[]): void {
  try {
    send({ type: 'batch-done', id, outcomes: packOutcomes(outcomes) });
  } catch {
    // Serialisation failed for some result the check let through: only those tasks fail. If even that reply can't go,
    // the batch fails with a reason rather than leaving the host waiting for a reply that never comes.
    try {
      send({ type: 'batch-done', id, outcomes: packOutcomes(replaceUncloneableValues(outcomes, canSerialize)) });
    } catch (error) {
      send({ type: 'batch-failed', id, error: { code: 'clone', name: 'DataCloneError', message: l10n.t('The worker process could not send its results back: {0}', describeThrownSafely(error)) } });
    }
  }
}

installCrashHandlers(() => undefined);

process.on('message', (message: ToProcessWorker) => {
  if (message.type !== 'request') return;
  const { id, request } = message;
  if (request.kind === 'ping') return sendOutcomes(id, []);
  if (request.kind === 'preload') {
    void preloadTarget(request.preload).then(() => sendOutcomes(id, []));
    return;
  }
  const batch = unpackBatch(request.batch);
  runWorkerBatch(batch, identity, send, { cloneCheck: { sharedMemory: false }, runnerFiles, announceEveryTask: false, announceFirstTask: batch.announceFirstTask ?? false }).then(
    (outcomes) => sendOutcomes(id, outcomes),
    (error: unknown) => send({ type: 'batch-failed', id, error: { code: 'internal', name: 'Error', message: l10n.t('The worker process failed: {0}', describeThrownSafely(error)) } }),
  );
});

// The host is gone: nothing left to report to.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', pid: process.pid });
