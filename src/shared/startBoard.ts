// A shared-memory board where pool threads post "task i started at t", read by the host a few times per frame.
// Cheaper than a message per task: a start costs a few stores, so tiny tasks keep raw-pool dispatch cost.

/** Float64 fields per slot: threadId, task index, phase tag, start µs (absolute monotonic). */
const FIELDS = 4;

export interface StartBoardView {
  /** [0]: next slot to claim. */
  header: Int32Array;
  /** Per slot: a seqlock counter, odd while the slot is being written. */
  seq: Int32Array;
  data: Float64Array;
  capacity: number;
}

export function createStartBoard(capacity: number): SharedArrayBuffer {
  return new SharedArrayBuffer(4 + capacity * 4 + capacity * FIELDS * 8 + 4 /* alignment slack */);
}

export function viewStartBoard(buffer: SharedArrayBuffer): StartBoardView {
  const capacity = Math.floor((buffer.byteLength - 8) / (4 + FIELDS * 8));
  const seqBytes = 4 + capacity * 4;
  const dataOffset = Math.ceil(seqBytes / 8) * 8;
  return {
    header: new Int32Array(buffer, 0, 1),
    seq: new Int32Array(buffer, 4, capacity),
    data: new Float64Array(buffer, dataOffset, capacity * FIELDS),
    capacity,
  };
}

/** A stable 31-bit tag for a phase key (FNV-1a), so the board can hold it as a number. */
export function phaseTag(phaseKey: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < phaseKey.length; i++) {
    hash ^= phaseKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 1;
}

/** A thread's own slot; replaced threads claim new ones, wrapping around (a rare overlap only hides a live start). */
export function claimSlot(board: StartBoardView): number {
  return Atomics.add(board.header, 0, 1) % board.capacity;
}

export function postStart(board: StartBoardView, slot: number, threadId: number, index: number, tag: number, startUs: number): void {
  Atomics.add(board.seq, slot, 1);
  const at = slot * FIELDS;
  board.data[at] = threadId;
  board.data[at + 1] = index;
  board.data[at + 2] = tag;
  board.data[at + 3] = startUs;
  Atomics.add(board.seq, slot, 1);
}

export interface PostedStart {
  threadId: number;
  index: number;
  tag: number;
  startUs: number;
}

/** Calls `onStart` for every slot written since the last read; `lastSeen` holds each slot's last seqlock value. */
export function readNewStarts(board: StartBoardView, lastSeen: Int32Array, onStart: (start: PostedStart) => void): void {
  for (let slot = 0; slot < board.capacity; slot++) {
    const before = Atomics.load(board.seq, slot);
    if (before === lastSeen[slot] || (before & 1) === 1) continue;
    const at = slot * FIELDS;
    const start = { threadId: board.data[at], index: board.data[at + 1], tag: board.data[at + 2], startUs: board.data[at + 3] };
    // Torn read: the thread wrote again meanwhile; the next read will see the newer start.
    if (Atomics.load(board.seq, slot) !== before) continue;
    lastSeen[slot] = before;
    onStart(start);
  }
}
