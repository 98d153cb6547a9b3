import { singleLine, stripControlChars } from '../core/controlChars';
import type { WorkerEvent } from '../core/protocol';
import { RecentStepRate } from '../core/stepRate';
import { formatDuration, formatNumber, formatPercent } from './format';

/**
 * Training progress on stderr. On a terminal: one live line per running run (epoch, step/total,
 * bar, loss, accuracy, ETA), redrawn in place, with finished runs printed above. Elsewhere (pipes,
 * CI logs): plain lines, one per epoch.
 */

type Stream = NodeJS.WritableStream & { columns?: number };

interface RunState {
  runId: string;
  label: string;
  /** Unknown for a script's run. */
  epochs?: number;
  state: 'queued' | 'running' | 'ended';
  totalSteps?: number;
  steps: number;
  epoch: number;
  loss?: number;
  acc?: number;
  /** Over its last few seconds, for the ETA. */
  rate: RecentStepRate;
}

const BAR_WIDTH = 20;
const REDRAW_MS = 100;

export class ProgressReporter {
  private readonly runs = new Map<string, RunState>();
  private drawnLines = 0;
  private redrawTimer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: Stream, private readonly live: boolean) {}

  add(runId: string, label: string, epochs: number | undefined, running: boolean): void {
    this.runs.set(runId, { runId, label: singleLine(label), epochs, state: running ? 'running' : 'queued', steps: 0, epoch: 0, rate: new RecentStepRate() });
    this.scheduleRedraw();
  }

  markRunning(runId: string): void {
    const run = this.runs.get(runId);
    if (run && run.state === 'queued') run.state = 'running';
    this.scheduleRedraw();
  }

  handle(event: WorkerEvent): void {
    const run = this.runs.get(event.runId);
    if (!run) return;
    switch (event.type) {
      case 'started':
        run.state = 'running';
        run.totalSteps = event.totalSteps;
        if (!this.live) this.note(`${this.prefix(run)} started${event.totalSteps ? `: ${event.totalSteps} steps` : ''} on ${event.environment.backend}`);
        break;
      case 'steps': {
        const last = event.steps[event.steps.length - 1];
        if (!last) break;
        run.steps = Math.max(run.steps, last.step);
        run.epoch = last.epoch;
        run.loss = last.loss;
        run.acc = last.acc;
        run.rate.mark(last.t, last.step);
        break;
      }
      case 'epoch': {
        const e = event.epoch;
        run.epoch = e.epoch;
        if (!this.live) {
          this.note(`${this.prefix(run)} epoch ${e.epoch}${run.epochs ? `/${run.epochs}` : ''}  train loss ${formatNumber(e.trainLoss)}  `
            + `val loss ${formatNumber(e.valLoss)}  val acc ${formatPercent(e.valAcc)}`);
        }
        break;
      }
      case 'finished': {
        run.state = 'ended';
        const s = event.summary;
        const results = [
          s.testAcc !== undefined ? `test acc ${formatPercent(s.testAcc)}` : '',
          s.testLoss !== undefined ? `test loss ${formatNumber(s.testLoss)}` : '',
          s.divergedAtStep !== undefined ? `diverged at step ${s.divergedAtStep}` : '',
        ].filter(Boolean).join('  ');
        this.note(`${this.prefix(run)} ${event.status}${results ? `  ${results}` : ''}`);
        break;
      }
      case 'failed':
        run.state = 'ended';
        this.note(`${this.prefix(run)} failed: ${event.error}`);
        break;
    }
    this.scheduleRedraw();
  }

  /** A line that stays (printed above the live lines). */
  note(line: string): void {
    this.clearLive();
    this.stream.write(stripControlChars(line) + '\n');
    this.scheduleRedraw();
  }

  /** Removes the live lines and stops redrawing. */
  close(): void {
    if (this.redrawTimer) clearTimeout(this.redrawTimer);
    this.redrawTimer = undefined;
    this.clearLive();
  }

  private prefix(run: RunState): string {
    return `[${run.runId}] ${run.label}:`;
  }

  private scheduleRedraw(): void {
    if (!this.live || this.redrawTimer) return;
    this.redrawTimer = setTimeout(() => {
      this.redrawTimer = undefined;
      this.redraw();
    }, REDRAW_MS);
  }

  private clearLive(): void {
    if (!this.live || this.drawnLines === 0) return;
    this.stream.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.drawnLines = 0;
  }

  private redraw(): void {
    const columns = this.stream.columns || 100;
    const all = [...this.runs.values()];
    const lines = all.filter((r) => r.state === 'running').map((r) => this.liveLine(r));
    const queued = all.filter((r) => r.state === 'queued').length;
    if (queued > 0) lines.push(`${queued} queued`);
    this.clearLive();
    this.stream.write(lines.map((l) => (l.length > columns - 1 ? l.slice(0, columns - 2) + '…' : l) + '\n').join(''));
    this.drawnLines = lines.length;
  }

  private liveLine(run: RunState): string {
    const name = `[${run.runId.slice(-4)}] ${run.label}`;
    const total = run.totalSteps;
    if (!total) return `${name}  starting…`;
    const done = Math.min(run.steps, total);
    const filled = Math.round((done / total) * BAR_WIDTH);
    const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
    const rate = run.rate.stepsPerSecond();
    const eta = rate ? formatDuration(((total - done) / rate) * 1000) : '—';
    return `${name}  epoch ${Math.max(run.epoch, 1)}${run.epochs ? `/${run.epochs}` : ''}  ${bar} ${done}/${total}  `
      + `loss ${formatNumber(run.loss)}  acc ${formatPercent(run.acc, 1)}  ETA ${eta}`;
  }
}
