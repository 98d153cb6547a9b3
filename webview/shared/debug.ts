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

/** A chart's datasets as plain data: the full source points and how many are drawn after decimation. */
function describe(chart: LiveChart) {
  const c = chart.chart;
  return {
    yScale: c.options.scales?.y?.type,
    xTitle: c.options.scales?.x?.title?.text,
    datasets: c.data.datasets.map((d) => {
      const source = (d as unknown as { _data?: { x: number; y: number }[] })._data ?? d.data;
      return {
        label: d.label, color: d.borderColor, width: d.borderWidth,
        points: source.map((p) => [p.x, p.y]), drawn: d.data.length,
      };
    }),
    legend: (c.legend?.legendItems ?? []).map((i) => i.text),
  };
}

export function exposeDebugHandle(handle: DebugHandle): void {
  const chartState = (name: string) => describe(handle.charts()[name]);
  Object.assign(window, { __polyloss: { ...handle, Chart, frames, chartState, idle: () => frames.idle() } });
}
