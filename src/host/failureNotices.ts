// Failed runs are announced together: runs that fail within a moment of each other (a sweep whose
// data went missing, a batch on a broken backend) make one error message with "Show", not one each.
// Plain TypeScript (timers injected) so it is unit-tested.
import { briefMessage } from '../core/errors';

export interface FailedRun {
  runId: string;
  name: string;
  error: string;
}

export interface FailureNoticeDeps {
  /** Shows the combined message; resolves when the user chose "Show" (true) or dismissed it. */
  show(message: string): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** How long to wait for more failures before speaking. */
export const FAILURE_GATHER_MS = 1500;

export class FailureNotices {
  private pending: FailedRun[] = [];
  private timer: unknown;

  constructor(private readonly deps: FailureNoticeDeps) {}

  add(run: FailedRun): void {
    this.pending.push(run);
    if (this.timer !== undefined) this.deps.clearTimeout(this.timer);
    this.timer = this.deps.setTimeout(() => this.flush(), FAILURE_GATHER_MS);
  }

  /** Speaks now about what was gathered (and cancels the wait). */
  flush(): void {
    if (this.timer !== undefined) this.deps.clearTimeout(this.timer);
    this.timer = undefined;
    const runs = this.pending;
    this.pending = [];
    if (runs.length) this.deps.show(failureMessage(runs));
  }

  dispose(): void {
    if (this.timer !== undefined) this.deps.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}

/**
 * "PolyLoss: run "x" failed: …" or "PolyLoss: 3 runs failed ("a", "b", "c"): first error …", each error in
 * brief: a script's failure ends with what matters (its exception, a hint), not its first line.
 */
export function failureMessage(runs: readonly FailedRun[]): string {
  if (runs.length === 1) return `PolyLoss: run "${runs[0].name}" failed: ${briefMessage(runs[0].error)}`;
  const names = runs.slice(0, 3).map((r) => `"${r.name}"`).join(', ') + (runs.length > 3 ? `, and ${runs.length - 3} more` : '');
  const errors = new Set(runs.map((r) => briefMessage(r.error)));
  const cause = errors.size === 1 ? briefMessage(runs[0].error) : `${briefMessage(runs[0].error)} (and ${errors.size - 1} other error${errors.size === 2 ? '' : 's'})`;
  return `PolyLoss: ${runs.length} runs failed (${names}): ${cause}`;
}
