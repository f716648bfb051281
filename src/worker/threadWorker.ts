// The piscina worker (dist/taskWorker.js): runs each WorkerBatch and posts task starts to the pool's shared start board.
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import { useL10nBundle } from '../shared/l10n';
import { claimSlot, phaseTag, postStart, viewStartBoard, type StartBoardView } from '../shared/startBoard';
import { packOutcomes, unpackBatch, type BatchOutcomes, type TaskStartNotice, type WorkerBatch, type WorkerRequest } from '../shared/workerProtocol';
import { installCrashHandlers, preloadTarget, runWorkerBatch } from './taskRunner';

const identity = { pid: process.pid, threadId };
const runnerFiles = [__filename];

installCrashHandlers((error) => {
  // piscina reports a result it could not post by throwing in the worker; ending the thread makes piscina fail that task.
  if (error instanceof Error && error.name === 'DataCloneError') process.exit(1);
});

const data = workerData as { startBoard?: SharedArrayBuffer; l10nBundle?: string } | undefined;
useL10nBundle(data?.l10nBundle);
const boardBuffer = data?.startBoard;
const board: StartBoardView | undefined = boardBuffer ? viewStartBoard(boardBuffer) : undefined;
const boardSlot = board ? claimSlot(board) : 0;
const startChannels = new Map<string, BroadcastChannel>();

function announcerFor(batch: WorkerBatch): (notice: TaskStartNotice) => void {
  if (board) {
    // A few shared-memory stores per task instead of a message: the host reads the board every few milliseconds.
    const tag = phaseTag(batch.phaseKey);
    return (notice) => postStart(board, boardSlot, threadId, notice.index, tag, notice.startUs);
  }
  // Without a board (a pool started by other code), fall back to the BroadcastChannel the batch names.
  const channelName = batch.startChannel;
  if (!channelName) return () => undefined;
  let channel = startChannels.get(channelName);
  if (!channel) {
    channel = new BroadcastChannel(channelName);
    channel.unref();
    startChannels.set(channelName, channel);
  }
  const open = channel;
  return (notice) => open.postMessage(notice);
}

export default async function answer(request: WorkerRequest): Promise<BatchOutcomes> {
  // A ping is answered once the thread has booted, without loading anything.
  if (request.kind === 'ping') return [];
  if (request.kind === 'preload') {
    await preloadTarget(request.preload);
    return [];
  }
  const batch = unpackBatch(request.batch);
  const outcomes = await runWorkerBatch(batch, identity, announcerFor(batch), { cloneCheck: { sharedMemory: true }, runnerFiles, announceEveryTask: Boolean(board), announceFirstTask: true });
  return packOutcomes(outcomes);
}
