/**
 * Browser side of bench/webview.ts, bundled on the fly and evaluated in the page. Drives the real
 * dashboard through the same message events VS Code delivers, and implements the naive baseline:
 * one Chart.js chart that receives the whole history on every update and redraws everything
 * (default parsing, no decimation), as a webview that re-sends full histories would.
 */
import { Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import { DEFAULT_CONFIG } from '../src/core/runConfig';
import type { MetricLine, RunRecord } from '../src/core/runFormat';
import { smoothSeries } from '../src/core/smoothing';
import { packMetrics, type HostMessage, type MetricsChunk } from '../src/core/viewProtocol';
import { MAX_RUNS_WITH_RAW } from '../webview/shared/metrics';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const SMOOTHING = 0.6;
const PALETTE = ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700'];

function record(i: number, totalSteps: number): RunRecord {
  return {
    schemaVersion: 1, id: `run-${String(i).padStart(3, '0')}`, name: `run ${i}`, status: 'running',
    createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    config: { ...DEFAULT_CONFIG, seed: i, loss: { type: 'poly', epsilon: (i % 7) - 1 } }, totalSteps,
  };
}

/** Steps from..to of run i: a decaying, noisy loss (deterministic). */
function metricLines(i: number, from: number, to: number): MetricLine[] {
  const out: MetricLine[] = [];
  for (let s = from; s <= to; s++) {
    const noise = Math.sin(s * 12.9898 + i * 78.233) * 0.15;
    const base = 2.3 * Math.exp(-s / (800 + 40 * i)) + 0.2 + noise;
    const poly = 0.2 * Math.exp(-s / 500);
    out.push({ kind: 'step', step: s, epoch: 1 + Math.floor((s - 1) / 100), t: s * 10, loss: base + poly, base, poly, acc: Math.min(1, s / 12000) });
    if (s % 100 === 0) {
      out.push({ kind: 'epoch', epoch: s / 100, step: s, t: s * 10, trainLoss: base, valLoss: base * 1.1, valAcc: 0.5, pt: { mean: 0.5, q25: 0.3, q50: 0.5, q75: 0.7 } });
    }
  }
  return out;
}

function deliver(message: HostMessage): number {
  // Messages reach a webview serialised; clone so both sides pay for delivery.
  const data = structuredClone(message);
  const t0 = performance.now();
  window.dispatchEvent(new MessageEvent('message', { data }));
  return performance.now() - t0;
}

interface Debug {
  idle(): Promise<void>;
  frames: { durations: number[] };
  charts(): Record<string, { chart: { data: { datasets: unknown[] } } }>;
}
const debug = () => (window as unknown as { __polyloss: Debug }).__polyloss;
const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(r));
/** Collects the garbage of building test data before a measurement starts (needs --expose-gc). */
const collect = () => (window as unknown as { gc?: () => void }).gc?.();

async function drawn(): Promise<void> {
  await nextFrame();
  await debug().idle();
}

/** Dashboard page: snapshot + histories of `runs` runs, all ticked, until the compare chart has drawn. */
async function oursFirstRender(runs: number, points: number): Promise<{ ms: number; handlers: number; frame: number; datasets: number }> {
  const records = Array.from({ length: runs }, (_, i) => record(i, points));
  const chunks = records.map((r, i) => packMetrics(r.id, metricLines(i, 1, points)));
  collect();
  const t0 = performance.now();
  const snapshot = deliver({ type: 'snapshot', view: 'dashboard', runs: records, selection: records.map((r) => r.id), focus: { runIds: [], tab: 'compare' } });
  const history = deliver({ type: 'history', chunks });
  await drawn();
  const { durations } = debug().frames;
  return {
    ms: performance.now() - t0, handlers: snapshot + history, frame: durations[durations.length - 1],
    datasets: debug().charts().compare.chart.data.datasets.length,
  };
}

interface StreamResult {
  /** Main-thread work per update: message handling plus the frame that draws it. */
  work: number[];
}

/** Calls `tick(k)` every `period` ms for `seconds`. */
async function stream(seconds: number, period: number, tick: (k: number) => Promise<number>): Promise<StreamResult> {
  const work: number[] = [];
  const ticks = Math.round((seconds * 1000) / period);
  const start = performance.now();
  for (let k = 0; k < ticks; k++) {
    work.push(await tick(k));
    const wait = start + (k + 1) * period - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return { work };
}

/** The update of tick k of a prepared stream; resolves with the main-thread work it took. */
let tick: ((k: number) => Promise<number>) | undefined;

/** The tick payloads: `perTick` new steps of each run, built before the stream so only delivery is measured. */
function tickChunks(ids: string[], history: number, perTick: number, ticks: number): MetricsChunk[][] {
  return Array.from({ length: ticks }, (_, k) => {
    const from = history + 1 + k * perTick;
    return ids.map((id, i) => packMetrics(id, metricLines(i, from, from + perTick - 1)));
  });
}

/** Dashboard page: `runs` runs with `history` steps each, all ticked; ticks then deliver their new steps. */
async function prepareOurs(runs: number, history: number, perTick: number, ticks: number): Promise<void> {
  const records = Array.from({ length: runs }, (_, i) => record(i, 100000));
  const payloads = tickChunks(records.map((r) => r.id), history, perTick, ticks);
  deliver({ type: 'snapshot', view: 'dashboard', runs: records, selection: records.map((r) => r.id), focus: { runIds: [], tab: 'compare' } });
  deliver({ type: 'history', chunks: records.map((r, i) => packMetrics(r.id, metricLines(i, 1, history))) });
  await drawn();
  collect();
  tick = async (k) => {
    const handler = deliver({ type: 'append', chunks: payloads[k] });
    await drawn();
    return handler + debug().frames.durations[debug().frames.durations.length - 1];
  };
}

/** Runs the prepared stream: one tick every `period` ms for `seconds`. */
function runStream(period: number, seconds: number): Promise<StreamResult> {
  if (!tick) throw new Error('prepare a stream first');
  return stream(seconds, period, tick);
}

/** The naive baseline: rebuild every dataset from the full history and redraw. */
class NaiveChart {
  private readonly chart: Chart<'line'>;

  constructor(width: number, height: number) {
    const box = document.createElement('div');
    box.style.position = 'relative';
    box.style.width = `${width}px`;
    box.style.height = `${height}px`;
    const canvas = document.createElement('canvas');
    box.append(canvas);
    document.body.append(box);
    this.chart = new Chart(canvas, { type: 'line', data: { datasets: [] }, options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { type: 'linear' } } } });
  }

  /** Receives all runs' full histories (as re-sent by the host) and redraws everything, as ours looks. */
  redraw(histories: MetricsChunk[]): number {
    const t0 = performance.now();
    const received = structuredClone(histories);
    const rawBehind = received.length <= MAX_RUNS_WITH_RAW;
    const datasets = received.flatMap((c, i) => {
      const ys = Array.from(c.steps.loss);
      const smooth = smoothSeries(ys, SMOOTHING).map((y, j) => ({ x: c.steps.step[j], y }));
      const color = PALETTE[i % PALETTE.length];
      const curves = [{ label: c.runId, data: smooth, borderColor: color, borderWidth: 1.75, pointRadius: 0 }];
      if (rawBehind) curves.push({ label: c.runId, data: ys.map((y, j) => ({ x: c.steps.step[j], y })), borderColor: `${color}40`, borderWidth: 1, pointRadius: 0 });
      return curves;
    });
    this.chart.data.datasets = datasets;
    this.chart.update();
    return performance.now() - t0;
  }
}

async function naiveFirstRender(runs: number, points: number, width: number, height: number): Promise<{ ms: number }> {
  const histories = Array.from({ length: runs }, (_, i) => packMetrics(`run-${i}`, metricLines(i, 1, points)));
  collect();
  const t0 = performance.now();
  new NaiveChart(width, height).redraw(histories);
  await nextFrame();
  return { ms: performance.now() - t0 };
}

/** Blank page: the naive chart with `runs` runs; each tick re-sends every run's full history. */
async function prepareNaive(runs: number, history: number, perTick: number, ticks: number, width: number, height: number): Promise<void> {
  const chart = new NaiveChart(width, height);
  const ids = Array.from({ length: runs }, (_, i) => `run-${i}`);
  const lines = ids.map((_, i) => metricLines(i, 1, history));
  const payloads = Array.from({ length: ticks }, (_, k) => {
    const from = history + 1 + k * perTick;
    lines.forEach((l, i) => l.push(...metricLines(i, from, from + perTick - 1)));
    return lines.map((l, i) => packMetrics(ids[i], l));
  });
  chart.redraw(lines.map((l, i) => packMetrics(ids[i], l.slice(0, history + history / 100))));
  await nextFrame();
  collect();
  tick = async (k) => {
    const ms = chart.redraw(payloads[k]);
    await nextFrame();
    return ms;
  };
}

Object.assign(window, { __bench: { oursFirstRender, naiveFirstRender, prepareOurs, prepareNaive, runStream } });
