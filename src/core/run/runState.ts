// The run object: what one run owns from request to RunReport (report, previews, events, phase keys), instead of module globals.
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as l10n from '@vscode/l10n';
import { version as toolVersion } from '../../../package.json';
import type { RunEvent } from '../../shared/events';
import { REPORT_SCHEMA_VERSION, type MeasurementInfo, type RunOptions, type RunReport, type TargetInfo } from '../../shared/report';
import type { LeftoverProcess, ModuleSpec } from '../../shared/workerProtocol';
import { monotonicNowUs } from '../../worker/clock';
import type { RunHandlers, RunRequest } from '../api';
import { hasProcFs } from '../../shared/platformSupport';
import { machineCpuAvailable } from '../machine';
import { machineInfoNow } from '../machineInfo';
import { previewArgs } from './preview';

/** Runs started by this process: with a phase counter, a phase key that is unique within the process. */
let runsStarted = 0;
let host: RunReport['host'] | undefined;

/** The same for every run of this process; os.cpus() alone costs ~0.2 ms. */
export function hostInfo(): RunReport['host'] {
  host ??= {
    pid: process.pid,
    platform: process.platform,
    arch: process.arch,
    nodeVersion: process.version,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpuCount: os.availableParallelism(),
  };
  return { ...machineInfoNow(), ...host };
}

/**
 * Which figures this platform gives. Per-task figures come from the workers (Linux schedstat); the engine reads the
 * same file's availability here, since a worker thread of this process sees the same /proc.
 */
export function measurementInfo(tasksMeasured: boolean): MeasurementInfo {
  const machine = machineCpuAvailable();
  const notes: string[] = [];
  if (!tasksMeasured) {
    notes.push(
      hasProcFs
        ? l10n.t('Per-task CPU and wait were not measured: /proc/thread-self/schedstat could not be read (a kernel without schedstats?).')
        : l10n.t("Per-task CPU and wait are read from Linux's /proc/thread-self/schedstat; {0} has no per-thread equivalent here, so they are not shown.", process.platform),
    );
  }
  if (!machine) notes.push(l10n.t("Other programs' CPU during each phase is read from Linux's /proc/stat; on {0} it is not measured.", process.platform));
  return {
    taskCpu: tasksMeasured ? 'schedstat' : 'unavailable',
    taskWait: tasksMeasured ? 'schedstat' : 'unavailable',
    machineCpu: machine ? 'proc-stat' : 'unavailable',
    notes,
  };
}

/** Everything a run accumulates; phases append to it while events go out. */
export class RunState {
  readonly originUs = monotonicNowUs();
  readonly report: RunReport;
  readonly argsPreviews: string[];
  private phaseCounter = 0;
  private readonly runNumber = ++runsStarted;
  /** Set when a cancel stopped workers still loading the module (before or in a phase): how long that phase had been loading it. */
  cancelledLoadMs: number | undefined;
  /** Tasks (of any phase, warm-ups too) that left processes running, for the warning at the end of the run. */
  readonly leftovers: { index: number; leftoverProcesses?: LeftoverProcess[] }[] = [];

  constructor(
    readonly request: RunRequest,
    readonly handlers: RunHandlers,
    readonly target: TargetInfo,
    readonly options: RunOptions,
    readonly inputs: unknown[][],
    readonly module: ModuleSpec,
    readonly maxLogChars: number,
    readonly maxPreviewChars: number,
  ) {
    this.argsPreviews = inputs.map((args) => previewArgs(args, maxPreviewChars));
    this.report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      id: randomUUID(),
      createdAt: new Date().toISOString(),
      tool: { name: 'parallel-runner', version: toolVersion },
      target,
      options,
      host: hostInfo(),
      clockOriginUs: this.originUs,
      phases: [],
      tasks: [],
      summary: { parallelMs: 0, tasks: inputs.length, failedTasks: 0, workers: options.workers },
      warnings: [],
      status: 'running',
    };
  }

  get cancelled(): boolean {
    return this.handlers.signal?.aborted ?? false;
  }

  emit(event: RunEvent): void {
    if (!this.handlers.onEvent) return;
    try {
      this.handlers.onEvent(event);
    } catch {
      // A face's rendering bug must not break the run.
    }
  }

  relative(absoluteUs: number): number {
    return absoluteUs - this.originUs;
  }

  nextPhaseKey(): string {
    // Short: it travels with every batch. Unique within the process, which is all the pools need.
    return `${this.runNumber}.${this.phaseCounter++}`;
  }
}
