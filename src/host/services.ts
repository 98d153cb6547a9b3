import type * as vscode from 'vscode';
import type { MetricLine, RunRecord } from '../core/runFormat';
import type { RunConfig } from '../core/runConfig';
import type { BrokenRunInfo, MetricsCursor } from '../core/viewProtocol';
import type { OutputTail } from '../store/outputLog';

/** In-memory view of the runs folder, kept current by a file watcher and by live worker events. */
export interface RunsModel {
  readonly runsDir: string;
  list(): readonly RunRecord[];
  get(runId: string): RunRecord | undefined;
  /** Run folders that cannot be read, with the reason; they change with onDidChangeRuns too. */
  broken(): readonly BrokenRunInfo[];
  /** Every metric line written so far (from metrics.jsonl, tolerant of a truncated last line). */
  /** The run's metric lines, read without blocking the extension host. */
  readMetrics(runId: string): Promise<MetricLine[]>;
  /** The run's lines for a chart: streamed, each once, downsampled when the run is long; and the cursor after them. */
  readHistory(runId: string): Promise<{ lines: MetricLine[]; cursor: MetricsCursor }>;
  /** The end of a command run's output.log, or undefined when there is none. */
  readOutput(runId: string): OutputTail | undefined;
  /** The size of a command run's output.log in bytes (a look, no read), or undefined when there is none. */
  outputSize(runId: string): number | undefined;
  /** Fired with the ids whose run.json changed (or undefined when the whole list may have changed). */
  readonly onDidChangeRuns: vscode.Event<readonly string[] | undefined>;
  /** Live deltas: new metric lines of a run, in order, each line delivered once. */
  readonly onDidAppendMetrics: vscode.Event<{ runId: string; lines: MetricLine[] }>;
}

/** The runs ticked for comparison; persisted per workspace, shared by the tree, dashboard and Compare view. */
export interface RunSelection {
  get(): readonly string[];
  set(runIds: readonly string[]): void;
  readonly onDidChange: vscode.Event<readonly string[]>;
}

export interface RunActions {
  start(configs: RunConfig[]): Promise<string[]>;
  rerun(runId: string): Promise<string | undefined>;
  stop(runId: string): void;
}

export interface HostServices {
  readonly extensionUri: vscode.Uri;
  readonly runs: RunsModel;
  readonly selection: RunSelection;
  readonly actions: RunActions;
  readonly log: vscode.LogOutputChannel;
  /** Starts following the runs folder for changes made elsewhere (CLI, other windows), once it is first needed. */
  readonly followRuns?: () => void;
}
