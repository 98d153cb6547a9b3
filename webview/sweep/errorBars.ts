import { Chart, type Plugin } from 'chart.js';

/**
 * Vertical interval bars with caps under the points of line datasets, for confidence intervals.
 * A dataset opts in with `errorBars: true`; each of its points carries `low` and `high` next to
 * `x` and `y` (in the same unit). No dependency: a few canvas strokes after the datasets are drawn.
 */

export interface IntervalPoint {
  x: number;
  y: number;
  low?: number;
  high?: number;
}

/** Half the width of a bar's caps, in CSS pixels. */
const CAP = 5;

export interface DrawnBar {
  x: number;
  yLow: number;
  yHigh: number;
  color: string;
}

/** The bars drawn at the last update of each chart, in canvas CSS pixels (for tests and exports). */
export const drawnBars = new WeakMap<Chart, DrawnBar[]>();

export const errorBarsPlugin: Plugin = {
  id: 'polylossErrorBars',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    const drawn: DrawnBar[] = [];
    ctx.save();
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    chart.data.datasets.forEach((dataset, index) => {
      if (!(dataset as { errorBars?: boolean }).errorBars || !chart.isDatasetVisible(index)) return;
      const meta = chart.getDatasetMeta(index);
      const yScale = chart.scales[meta.yAxisID ?? 'y'];
      const color = String(dataset.borderColor ?? '#888');
      (dataset.data as unknown as IntervalPoint[]).forEach((point, i) => {
        const element = meta.data[i];
        if (!element || point.low === undefined || point.high === undefined) return;
        const x = element.x;
        const yLow = yScale.getPixelForValue(point.low);
        const yHigh = yScale.getPixelForValue(point.high);
        ctx.save();
        ctx.strokeStyle = color;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(x, yLow);
        ctx.lineTo(x, yHigh);
        for (const y of [yLow, yHigh]) {
          ctx.moveTo(x - CAP, y);
          ctx.lineTo(x + CAP, y);
        }
        ctx.stroke();
        ctx.restore();
        drawn.push({ x, yLow, yHigh, color });
      });
    });
    ctx.restore();
    drawnBars.set(chart, drawn);
  },
};

Chart.register(errorBarsPlugin);
