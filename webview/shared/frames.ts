/**
 * Batches work per animation frame: any number of messages in one frame lead to one chart
 * update. Keeps the durations of recent frames for the debug handle and the benchmark.
 */
export class FrameScheduler {
  private readonly tasks = new Set<() => void>();
  private pending = false;
  private idleWaiters: (() => void)[] = [];
  /** Milliseconds spent in each recent frame's work, newest last. */
  readonly durations: number[] = [];

  request(task: () => void): void {
    this.tasks.add(task);
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.run());
  }

  /** Resolves after the work already requested has run. */
  idle(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private run(): void {
    const start = performance.now();
    const tasks = [...this.tasks];
    this.tasks.clear();
    this.pending = false;
    for (const task of tasks) task();
    this.durations.push(performance.now() - start);
    if (this.durations.length > 600) this.durations.splice(0, this.durations.length - 600);
    if (!this.pending) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

export const frames = new FrameScheduler();
