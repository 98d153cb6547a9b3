// The run detail's view of a command run's output.log: its end is sent at once and again whenever
// the file grows (a script prints whenever it likes, not only with its metrics, so the file's size
// is looked at every second while the detail shows the run).
import type { Disposable } from 'vscode';
import type { OutputTailText } from '../../core/viewProtocol';
import type { RunsModel } from '../services';

export const OUTPUT_POLL_MS = 1000;

export class OutputWatch implements Disposable {
  /** The size last sent; null before the first look, -1 while there is no file. */
  private sentSize: number | null = null;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly runId: string,
    private readonly runs: Pick<RunsModel, 'readOutput'>,
    private readonly send: (tail: OutputTailText | null) => void,
    pollMs = OUTPUT_POLL_MS,
  ) {
    this.look();
    this.timer = setInterval(() => this.look(), pollMs);
  }

  private look(): void {
    const tail = this.runs.readOutput(this.runId);
    const size = tail?.size ?? -1;
    if (size === this.sentSize) return;
    this.sentSize = size;
    this.send(tail ? { text: tail.text, truncated: tail.truncated } : null);
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
