// What each comparison hands back to run.ts: tables for RESULTS.md, one line per issue target, and notes.

export interface ResultTable {
  caption: string;
  columns: string[];
  rows: string[][];
}

/** One target of the table, judged on numbers measured in this run. */
export interface TargetCheck {
  /** The row ("µs per tiny task", …). */
  what: string;
  /** What the anchors reached here, in this run. */
  anchor: string;
  target: string;
  measured: string;
  /** undefined: could not be measured (the reason is in `measured`). */
  met: boolean | undefined;
}

export interface SectionResult {
  id: string;
  title: string;
  /** How it was measured, one sentence per item. */
  method: string[];
  tables: ResultTable[];
  targets: TargetCheck[];
  /** Findings, missing peers, and where time goes when a target is missed. */
  notes: string[];
  /** Per-repetition numbers, kept in the JSON output for anyone who wants to re-analyse. */
  raw: Record<string, unknown>;
}
