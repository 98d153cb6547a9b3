/**
 * A run's training speed over its last few seconds, from the step batches it reports. A rate since the
 * start would keep a run's slow first steps (a new worker compiling, other runs still starting) in its
 * estimate to the end. VS Code's time left and the CLI's progress line both read it.
 */

/** How far back the rate looks. */
const RATE_WINDOW_MS = 4000;

/** The last step of a batch and when the run logged it (ms since it started). */
interface StepMark {
  at: number;
  step: number;
}

export class RecentStepRate {
  /** Marks of about the last RATE_WINDOW_MS, oldest first. */
  private readonly marks: StepMark[] = [];

  /** Records that the run had taken `step` steps `at` ms after its start (the run's own clock). */
  mark(at: number, step: number): void {
    this.marks.push({ at, step });
    // Keep one mark at or before the window's start, so the window is always spanned.
    while (this.marks.length > 2 && this.marks[1].at <= at - RATE_WINDOW_MS) this.marks.shift();
  }

  /** Steps per second over the window; undefined until two marks span some time and steps. */
  stepsPerSecond(): number | undefined {
    const first = this.marks[0];
    const last = this.marks[this.marks.length - 1];
    const span = first && last ? last.at - first.at : 0;
    return span > 0 && last.step > first.step ? ((last.step - first.step) * 1000) / span : undefined;
  }
}
