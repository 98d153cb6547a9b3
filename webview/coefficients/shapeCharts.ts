/**
 * The live loss-shape charts: L(Pt) and −dL/dPt of the edited loss over cross-entropy and focal
 * loss, and the coefficients α_j = 1/j + ε_j beside cross-entropy's 1/j. Values come from
 * src/core/lossShape.ts; the charts are created once and updated in place.
 */
import type { ChartDataset, ChartOptions } from 'chart.js';
import {
  SHAPE_PT_FROM, coefficientBars, lossShape, ptGrid, referenceSpecs, shapeAxisMax, shapeCurve, type ShapeCurve,
} from '../../src/core/lossShape';
import type { LossSpec } from '../../src/core/lossSpec';
import { applyTheme, baseOptions, createChart, themedScale, type Chart } from '../shared/charts';
import { el } from '../shared/dom';
import { withAlpha, type ChartTheme } from '../shared/theme';

type Point = { x: number; y: number };
type LineDataset = ChartDataset<'line', Point[]>;

/** Dashes of the reference curves (CE, focal), so they read apart from the edited loss without colour. */
const CE_DASH = [6, 4];
const FOCAL_DASH = [2, 3];

export interface ChartData {
  labels: string[];
  datasets: { label: string; data: number[]; hidden: boolean }[];
  yMax?: number;
}

function card(title: string, canvas: HTMLCanvasElement, note?: HTMLElement): HTMLElement {
  return el('div', { class: 'coef-chart' }, el('h3', { text: title }), el('div', { class: 'chart-box coef-chart-box' }, canvas), ...(note ? [note] : []));
}

export class LossShapeCharts {
  readonly root: HTMLElement;
  readonly loss: Chart<'line', Point[]>;
  readonly gradient: Chart<'line', Point[]>;
  readonly coefficients: Chart<'bar', number[]>;
  private readonly coefficientNote = el('p', { class: 'coef-note' });

  constructor(private theme: ChartTheme) {
    const lossCanvas = el('canvas', { attrs: { 'aria-label': 'Loss L(Pt) of the edited coefficients, cross-entropy and focal loss' } });
    const gradCanvas = el('canvas', { attrs: { 'aria-label': 'Gradient −dL/dPt of the edited coefficients, cross-entropy and focal loss' } });
    const barCanvas = el('canvas', { attrs: { 'aria-label': 'Effective coefficients α_j of the edited loss and of cross-entropy' } });
    this.loss = createChart(lossCanvas, 'line', theme, [], this.lineOptions('L(Pt)')) as unknown as Chart<'line', Point[]>;
    this.gradient = createChart(gradCanvas, 'line', theme, [], this.lineOptions('−dL/dPt')) as unknown as Chart<'line', Point[]>;
    this.coefficients = createChart(barCanvas, 'bar', theme, [], this.barOptions(), []) as unknown as Chart<'bar', number[]>;
    this.root = el('div', { class: 'coef-charts' },
      card('Loss L(Pt)', lossCanvas),
      card('Gradient −dL/dPt', gradCanvas),
      card('Coefficients α_j = 1/j + ε_j', barCanvas, this.coefficientNote));
  }

  /** Draws `spec` over the references; only the references while the fields have errors. */
  show(spec: LossSpec | undefined): void {
    const pt = ptGrid();
    const curves = spec ? lossShape(spec, pt).curves : referenceSpecs().map((ref) => shapeCurve(ref, pt));
    this.setLines(this.loss, pt, curves, (c) => c.loss, spec !== undefined);
    this.setLines(this.gradient, pt, curves, (c) => c.negGrad, spec !== undefined);
    const bars = coefficientBars(spec ?? { type: 'ce' });
    const primary = this.theme.palette[0];
    this.coefficients.data.labels = bars.labels;
    this.coefficients.data.datasets = [
      { label: spec ? curves[0].label : 'fix the fields to see α', data: spec ? bars.values : [], backgroundColor: withAlpha(primary, 0.75), borderColor: primary, borderWidth: 1 },
      { label: bars.gamma === 0 ? 'CE (1/j)' : 'Focal (1/j)', data: bars.crossEntropy, backgroundColor: withAlpha(this.theme.muted, 0.35), borderColor: this.theme.muted, borderWidth: 1 },
    ];
    this.coefficientNote.textContent = bars.gamma === 0
      ? 'L = Σ_j α_j (1−Pt)^j; cross-entropy has α_j = 1/j.'
      : `L = Σ_j α_j (1−Pt)^(j+γ) with γ = ${bars.gamma}; focal loss has α_j = 1/j.`;
    this.coefficients.update('none');
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    for (const chart of [this.loss, this.gradient, this.coefficients] as Chart[]) applyTheme(chart, theme);
  }

  /** What each chart draws, for the tests. */
  state(): Record<'loss' | 'gradient' | 'coefficients', ChartData> {
    const lines = (chart: Chart<'line', Point[]>): ChartData => ({
      labels: [],
      datasets: chart.data.datasets.map((d) => ({ label: String(d.label), data: d.data.map((p) => p.y), hidden: d.data.length === 0 })),
      yMax: chart.options.scales?.y?.max as number | undefined,
    });
    return {
      loss: lines(this.loss),
      gradient: lines(this.gradient),
      coefficients: {
        labels: (this.coefficients.data.labels ?? []).map(String),
        datasets: this.coefficients.data.datasets.map((d) => ({ label: String(d.label), data: [...d.data], hidden: d.data.length === 0 })),
      },
    };
  }

  private setLines(chart: Chart<'line', Point[]>, pt: number[], curves: ShapeCurve[], values: (c: ShapeCurve) => number[], hasEdited: boolean): void {
    const datasets: LineDataset[] = curves.map((curve, i) => {
      const edited = hasEdited && i === 0;
      const isCe = curve.spec.type === 'ce';
      const ys = values(curve);
      return {
        label: curve.label,
        data: pt.map((x, j) => ({ x, y: ys[j] })),
        // Each reference keeps its colour whichever loss is edited.
        borderColor: edited ? this.theme.palette[0] : isCe ? this.theme.muted : this.theme.palette[1],
        borderWidth: edited ? 2.5 : 1.5,
        borderDash: edited ? [] : isCe ? CE_DASH : FOCAL_DASH,
        pointRadius: 0,
      };
    });
    chart.data.datasets = datasets;
    const y = chart.options.scales!.y!;
    const all = curves.map(values);
    y.max = shapeAxisMax(pt, all);
    y.min = Math.min(0, ...all.flatMap((ys) => ys.filter((v, j) => pt[j] >= 0.1 && Number.isFinite(v)))) * 1.1;
    chart.update('none');
  }

  private lineOptions(yTitle: string): ChartOptions<'line'> {
    const base = baseOptions(this.theme) as ChartOptions<'line'>;
    return {
      ...base,
      parsing: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      elements: { point: { radius: 0, hoverRadius: 3 }, line: { tension: 0 } },
      scales: {
        x: themedScale(this.theme, 'Pt (probability of the target)', { type: 'linear', min: SHAPE_PT_FROM, max: 1 }) as never,
        y: themedScale(this.theme, yTitle, { type: 'linear' }) as never,
      },
    };
  }

  private barOptions(): ChartOptions<'bar'> {
    const base = baseOptions(this.theme) as ChartOptions<'bar'>;
    return {
      ...base,
      scales: {
        x: themedScale(this.theme, undefined, { type: 'category' }) as never,
        y: themedScale(this.theme, 'α_j', { type: 'linear' }) as never,
      },
    };
  }
}
