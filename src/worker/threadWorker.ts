// The piscina worker (dist/taskWorker.js): runs each WorkerBatch and announces task starts on a BroadcastChannel.
import { BroadcastChannel, threadId } from 'node:worker_threads';
import type { TaskOutcome, TaskStartNotice, WorkerBatch } from '../shared/workerProtocol';
import { installCrashHandlers, runWorkerBatch } from './taskRunner';

const startChannels = new Map<string, BroadcastChannel>();
const identity = { pid: process.pid, threadId };
const runnerFiles = [__filename];

installCrashHandlers((error) => {
  // piscina reports a result it could not post by throwing in the worker; ending the thread makes piscina fail that task.
  if (error instanceof Error && error.name === 'DataCloneError') process.exit(1);
});

function announcerFor(channelName: string | undefined): (notice: TaskStartNotice) => void {
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

export default function runBatch(batch: WorkerBatch): Promise<TaskOutcome[]> {
  return runWorkerBatch(batch, identity, announcerFor(batch.startChannel), { checkCloneable: true, runnerFiles });
}
