// Reads the Parallel Runner panel (the webview page) the way a person reads it: cards, lanes and the task table.
import type { FrameLocator } from 'playwright-core';
import { until } from './workbench';

export interface LaneView {
  phase: string;
  pid: number;
  threadId: number;
  text: string;
}

export interface TaskRowView {
  phase: string;
  index: number;
  status: string;
  start: string;
  end: string;
  duration: string;
  pid: string;
  thread: string;
  cpu: string;
  wait: string;
  blocked: string;
  repeat: number;
  result: string;
}

/** The account as the panel draws it: its bar's segments (px and ms), its table rows and total, caption and advice. */
export interface AccountViewShown {
  caption: string;
  barWidth: number;
  segments: { key: string; ms: number; width: number }[];
  rows: { key: string; time: string; share: string }[];
  total: string;
  idealLeft: number;
  advice: string;
  adviceKey: string;
}

/** Waits until the Status card reads one of `statuses` (e.g. completed) and returns it. */
export async function waitForStatus(panel: FrameLocator, statuses: RegExp, timeoutMs = 60_000): Promise<string> {
  return until(
    `the panel's Status card to match ${statuses}`,
    async () => {
      const text = (await panel.locator('[data-testid=run-status]').textContent({ timeout: 1_000 }))?.trim();
      return text && statuses.test(text) ? text : undefined;
    },
    timeoutMs,
  );
}

/** What tells one run's page from the next: the title line (file:line · start time) and every task's duration. */
export async function runFingerprint(panel: FrameLocator): Promise<string> {
  if ((await panel.owner().count()) === 0) return ''; // no panel open yet
  // Generous timeouts: an empty answer from a slow page would make the old run look new.
  const title = (await panel.locator('.run-title').textContent({ timeout: 15_000 })) ?? '';
  const durations = await panel.locator('[data-testid=task-row] [data-col=duration]').allTextContents();
  return `${title}|${durations.join(',')}`;
}

/** Waits until the panel shows a run of `target` other than the one `previous` fingerprinted, in one of `statuses`. */
export async function waitForNewRun(panel: FrameLocator, previous: string, target: string, statuses: RegExp, timeoutMs = 90_000): Promise<string> {
  await until(
    `the panel to show a new run of ${target}`,
    async () => {
      const title = (await panel.locator('.run-title h1').textContent({ timeout: 1_000 })) ?? '';
      return title.trim() === target && (await runFingerprint(panel)) !== previous;
    },
    timeoutMs,
  );
  return waitForStatus(panel, statuses, timeoutMs);
}

export async function cardText(panel: FrameLocator, testId: string): Promise<string> {
  return ((await panel.locator(`[data-testid=${testId}]`).textContent({ timeout: 5_000 })) ?? '').trim();
}

export async function lanes(panel: FrameLocator): Promise<LaneView[]> {
  return panel.locator('[data-testid=lane]').evaluateAll((nodes) =>
    nodes.map((node) => ({
      phase: node.getAttribute('data-phase') ?? '',
      pid: Number(node.getAttribute('data-pid')),
      threadId: Number(node.getAttribute('data-thread-id')),
      text: node.textContent ?? '',
    })),
  );
}

export async function taskRows(panel: FrameLocator): Promise<TaskRowView[]> {
  // No named functions inside: tsx's keepNames would wrap them in a __name helper the page doesn't have.
  return panel.locator('[data-testid=task-row]').evaluateAll((rows) =>
    rows.map((row) => {
      const cells: Record<string, string> = {};
      for (const cell of Array.from(row.querySelectorAll('[data-col]'))) cells[cell.getAttribute('data-col') ?? ''] = (cell.textContent ?? '').trim();
      return {
        phase: row.getAttribute('data-phase') ?? '',
        index: Number(row.getAttribute('data-index')),
        status: row.getAttribute('data-status') ?? '',
        start: cells.start ?? '',
        end: cells.end ?? '',
        duration: cells.duration ?? '',
        pid: cells.pid ?? '',
        thread: cells.thread ?? '',
        cpu: cells.cpu ?? '',
        wait: cells.wait ?? '',
        blocked: cells.blocked ?? '',
        repeat: Number(row.getAttribute('data-repeat')),
        result: cells.result ?? '',
      };
    }),
  );
}

export async function accountView(panel: FrameLocator): Promise<AccountViewShown> {
  return panel.locator('[data-testid=account]').evaluate((section) => {
    const bar = section.querySelector('[data-testid=account-bar]') as HTMLElement;
    const left = bar.getBoundingClientRect().left + bar.clientLeft;
    const ideal = (section.querySelector('[data-testid=account-ideal]') as HTMLElement).getBoundingClientRect();
    const advice = section.querySelector('[data-testid=account-advice]');
    return {
      caption: (section.querySelector('[data-testid=account-caption]')?.textContent ?? '').trim(),
      barWidth: bar.clientWidth,
      segments: Array.from(bar.querySelectorAll('[data-testid=account-segment]')).map((node) => ({
        key: node.getAttribute('data-key') ?? '',
        ms: Number(node.getAttribute('data-ms')),
        width: node.getBoundingClientRect().width,
      })),
      // No named helpers in here: tsx's keepNames would wrap them in a __name helper the page doesn't have.
      rows: Array.from(section.querySelectorAll('[data-testid=account-row]')).map((row) => ({
        key: row.getAttribute('data-key') ?? '',
        time: (row.querySelector('[data-col=ms]')?.textContent ?? '').trim(),
        share: (row.querySelector('[data-col=share]')?.textContent ?? '').trim(),
      })),
      total: (section.querySelector('[data-testid=account-total] [data-col=ms]')?.textContent ?? '').trim(),
      idealLeft: ideal.left + ideal.width / 2 - left,
      advice: (advice?.textContent ?? '').trim(),
      adviceKey: advice?.getAttribute('data-key') ?? '',
    };
  });
}

/** `812.4 ms` / `1.25 s` → milliseconds; NaN for `—` or anything else. */
export function parseMs(text: string): number {
  const match = /^([-−]?[\d.]+)\s*(ms|s)$/.exec(text.trim());
  if (!match) return Number.NaN;
  return Number(match[1].replace('−', '-')) * (match[2] === 's' ? 1000 : 1);
}
