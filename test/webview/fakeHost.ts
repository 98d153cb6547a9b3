import type { Disposable, Event } from 'vscode';
import { HistoryBuilder } from '../../src/core/downsample';
import type { MetricLine, RunRecord } from '../../src/core/runFormat';
import type { BrokenRunInfo } from '../../src/core/viewProtocol';
import type { HostServices, RunsModel, RunSelection } from '../../src/host/services';

/** A minimal vscode.EventEmitter stand-in for tests outside VS Code. */
export class Emitter<T> {
  private listeners = new Set<(e: T) => void>();
  readonly event: Event<T> = (listener: (e: T) => unknown): Disposable => {
    const l = (e: T) => void listener(e);
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
}

/** In-memory runs, selection and actions: the services the real relay talks to. */
export class FakeServices {
  readonly records = new Map<string, RunRecord>();
  readonly metrics = new Map<string, MetricLine[]>();
  /** Each run's output.log, whole. */
  readonly outputs = new Map<string, string>();
  brokenRuns: BrokenRunInfo[] = [];
  readonly changed = new Emitter<readonly string[] | undefined>();
  readonly appended = new Emitter<{ runId: string; lines: MetricLine[] }>();
  readonly selectionChanged = new Emitter<readonly string[]>();
  readonly calls: string[] = [];
  readonly logs: string[] = [];
  private selected: string[] = [];

  readonly runs: RunsModel = {
    runsDir: '/tmp/polyloss-test/.polyloss/runs',
    list: () => [...this.records.values()],
    get: (id) => this.records.get(id),
    broken: () => this.brokenRuns,
    readMetrics: async (id) => [...(this.metrics.get(id) ?? [])],
    readHistory: async (id) => {
      const history = new HistoryBuilder();
      history.push(this.metrics.get(id) ?? []);
      return history.result();
    },
    readOutput: (id) => {
      const text = this.outputs.get(id);
      return text === undefined ? undefined : { text, truncated: false, size: Buffer.byteLength(text) };
    },
    outputSize: (id) => {
      const text = this.outputs.get(id);
      return text === undefined ? undefined : Buffer.byteLength(text);
    },
    onDidChangeRuns: this.changed.event,
    onDidAppendMetrics: this.appended.event,
  };

  readonly selection: RunSelection = {
    get: () => this.selected,
    set: (ids) => {
      this.selected = [...ids];
      this.calls.push(`select ${ids.join(',')}`);
      this.selectionChanged.fire(this.selected);
    },
    onDidChange: this.selectionChanged.event,
  };

  services(): HostServices {
    const log = (level: string) => (msg: string) => void this.logs.push(`${level}: ${msg}`);
    return {
      extensionUri: undefined as never,
      runs: this.runs,
      selection: this.selection,
      actions: {
        start: async () => [],
        rerun: async (id) => { this.calls.push(`rerun ${id}`); return undefined; },
        stop: (id) => void this.calls.push(`stop ${id}`),
      },
      log: { warn: log('warn'), error: log('error'), info: log('info'), debug: log('debug'), trace: log('trace') } as never,
    };
  }

  addRun(record: RunRecord, lines: MetricLine[] = []): void {
    this.records.set(record.id, record);
    this.metrics.set(record.id, [...lines]);
    this.changed.fire([record.id]);
  }

  updateRun(record: RunRecord): void {
    this.records.set(record.id, record);
    this.changed.fire([record.id]);
  }

  /** The run folder's run.json became unreadable: the run is gone from the list and listed as broken. */
  breakRun(runId: string, reason: string): void {
    this.records.delete(runId);
    this.brokenRuns = [...this.brokenRuns.filter((b) => b.runId !== runId), { runId, reason }];
    this.changed.fire([runId]);
  }

  /** Appends to the "file" and fires the live event, as the runs model does for a training worker. */
  append(runId: string, lines: MetricLine[]): void {
    this.metrics.get(runId)!.push(...lines);
    this.appended.fire({ runId, lines });
  }
}
