import { Chart } from './charts';
import { frames } from './frames';
import type { LiveChart } from './liveChart';
import type { RunsStore } from './series';

/**
 * A read-only handle on the page for the browser tests and the benchmark: the store, the charts
 * and frame timings. It holds nothing the page does not already show.
 */
export interface DebugHandle {
  store: RunsStore;
  charts(): Record<string, LiveChart>;
  [extra: string]: unknown;
}

export function exposeDebugHandle(handle: DebugHandle): void {
  Object.assign(window, { __polyloss: { ...handle, Chart, frames, idle: () => frames.idle() } });
}
