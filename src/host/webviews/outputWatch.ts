// The run detail's view of a command run's output.log: its end is sent at once and again whenever
// the file grows (a script prints whenever it likes, not only with its metrics, so the file's size
// is looked at every second while the detail shows the run, and its end read when the size changed). Once the run has ended, one last look
// takes what it printed before its end was recorded, and the watch goes quiet.
import type { Disposable } from 'vscode';
import type { OutputTailText } from '../../core/viewProtocol';
import { isTerminal } from '../../store/runStore';
import type { RunsModel } from '../services';

export const OUTPUT_POLL_MS = 1000;

export class OutputWatch implements Disposable {
  /** The size last sent; null before the first look, -1 while there is no file. */
  private sentSize: number | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly runId: string,
    private readonly runs: Pick<RunsModel, 'readOutput' | 'outputSize' | 'get'>,
    private readonly send: (tail: OutputTailText | null) => void,
    private readonly pollMs = OUTPUT_POLL_MS,
  ) {
    this.look();
  }

  private look(): void {
    const run = this.runs.get(this.runId);
    const ended = run !== undefined && isTerminal(run.status);
    if ((this.runs.outputSize(this.runId) ?? -1) !== this.sentSize) {
      const tail = this.runs.readOutput(this.runId);
      this.sentSize = tail?.size ?? -1;
      this.send(tail ? { text: tail.text, truncated: tail.truncated } : null);
    }
    this.timer = ended ? undefined : setTimeout(() => this.look(), this.pollMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
