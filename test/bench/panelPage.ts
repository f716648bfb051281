// The instrumentation injected into the panel page before its own script: frame times, page rAF work, long frames.
// It is serialized with Function.prototype.toString, so it must not refer to anything outside itself.

export interface PageBench {
  /** Page requestAnimationFrame callbacks scheduled and not yet run. */
  pending: number;
  /** performance.now() when the last page rAF callback returned. */
  lastPageFrameEnd: number;
  /** Start time of the first frame after the last page rAF work: the work is on screen by then. */
  settledAt: number;
  /** Frame start times seen by our own rAF loop. */
  frames: number[];
  /** Long animation frames: total, time in scripts, and time in style + layout at the frame's end. */
  loaf: { start: number; duration: number; blocking: number; script: number; styleLayout: number }[];
  posted: unknown[];
  /** performance.now() of the last message the bench posted to the page as the host. */
  lastPostAt?: number;
  stateSaves: number;
  stateBytes: number;
}

/** Runs in the page at document start. `fakeVsCode`: behave like a VS Code webview (acquireVsCodeApi exists). */
export function installPageBench(fakeVsCode: boolean): void {
  const w = window as unknown as Record<string, unknown> & Window;
  const originalRaf = window.requestAnimationFrame.bind(window);
  const originalCancel = window.cancelAnimationFrame.bind(window);
  const bench: PageBench = { pending: 0, lastPageFrameEnd: 0, settledAt: 0, frames: [], loaf: [], posted: [], stateSaves: 0, stateBytes: 0 };
  w.__bench = bench;
  const live = new Set<number>();
  window.requestAnimationFrame = (callback: FrameRequestCallback): number => {
    bench.pending++;
    const id = originalRaf((time) => {
      live.delete(id);
      try {
        callback(time);
      } finally {
        bench.pending--;
        bench.lastPageFrameEnd = performance.now();
      }
    });
    live.add(id);
    return id;
  };
  window.cancelAnimationFrame = (id: number): void => {
    if (live.delete(id)) bench.pending--;
    originalCancel(id);
  };
  let wasBusy = true;
  const loop = (time: number) => {
    bench.frames.push(time);
    const busy = bench.pending > 0 || bench.lastPageFrameEnd >= time;
    if (!busy && wasBusy && bench.lastPageFrameEnd > 0) bench.settledAt = time;
    wasBusy = busy;
    originalRaf(loop);
  };
  originalRaf(loop);
  try {
    new PerformanceObserver((list) => {
      type Loaf = PerformanceEntry & { blockingDuration?: number; styleAndLayoutStart?: number; scripts?: { duration: number }[] };
      for (const e of list.getEntries() as Loaf[]) {
        const script = (e.scripts ?? []).reduce((sum, s) => sum + s.duration, 0);
        const styleLayout = e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0;
        bench.loaf.push({ start: e.startTime, duration: e.duration, blocking: e.blockingDuration ?? 0, script, styleLayout });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    // Older Chromium: frame gaps alone still tell the story.
  }
  if (fakeVsCode) {
    w.acquireVsCodeApi = () => ({
      postMessage: (message: unknown) => bench.posted.push(message),
      getState: () => undefined,
      // VS Code serializes webview state to JSON; do the same so its cost is counted.
      setState: (state: unknown) => {
        bench.stateSaves++;
        bench.stateBytes = JSON.stringify(state).length;
      },
    });
  }
}
