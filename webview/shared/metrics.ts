import type { RunRecord } from '../../src/core/runFormat';
import { EPOCH_FIELDS, STEP_FIELDS, type EpochField, type StepField } from '../../src/core/viewProtocol';
import type { RunSeries } from './series';

/** Above this many overlaid runs only the smoothed curves are drawn (the raw ones behind would be a haze). */
export const MAX_RUNS_WITH_RAW = 12;

export type XAxis = 'step' | 'epoch' | 'time';
export type YScale = 'linear' | 'logarithmic';

export type MetricId = 'loss' | 'base' | 'poly' | 'acc' | 'trainLoss' | 'valLoss' | 'valAcc' | 'ptQ25' | 'ptQ50' | 'ptQ75' | 'ptMean';

/**
 * A metric the charts can draw: one of the format's own, or a numeric key a script logged (its id is
 * `step:<key>` or `epoch:<key>`, its field the key).
 */
export type MetricDef =
  | { id: MetricId; label: string; source: 'step'; field: StepField }
  | { id: MetricId; label: string; source: 'epoch'; field: EpochField }
  | { id: string; label: string; source: 'step' | 'epoch'; field: string; logged: true };

export const METRICS: readonly MetricDef[] = [
  { id: 'loss', label: 'Training loss', source: 'step', field: 'loss' },
  { id: 'base', label: 'Training loss: CE/focal part', source: 'step', field: 'base' },
  { id: 'poly', label: 'Training loss: polynomial part', source: 'step', field: 'poly' },
  { id: 'acc', label: 'Batch accuracy', source: 'step', field: 'acc' },
  { id: 'trainLoss', label: 'Training loss (epoch mean)', source: 'epoch', field: 'trainLoss' },
  { id: 'valLoss', label: 'Validation loss', source: 'epoch', field: 'valLoss' },
  { id: 'valAcc', label: 'Validation accuracy', source: 'epoch', field: 'valAcc' },
  { id: 'ptQ25', label: 'Validation Pt 25th percentile', source: 'epoch', field: 'ptQ25' },
  { id: 'ptQ50', label: 'Validation Pt median', source: 'epoch', field: 'ptQ50' },
  { id: 'ptQ75', label: 'Validation Pt 75th percentile', source: 'epoch', field: 'ptQ75' },
  { id: 'ptMean', label: 'Validation Pt mean', source: 'epoch', field: 'ptMean' },
];

export const X_AXES: readonly { id: XAxis; label: string }[] = [
  { id: 'step', label: 'Step' },
  { id: 'epoch', label: 'Epoch' },
  { id: 'time', label: 'Wall time (s)' },
];

/** The axis title of an x axis ("Step", "Epoch", "Wall time (s)"). */
export function xAxisLabel(id: XAxis): string {
  return X_AXES.find((a) => a.id === id)?.label ?? id;
}

/** The metric of a key a script logged on its step or epoch lines. */
export function loggedMetric(source: 'step' | 'epoch', key: string): MetricDef {
  return { id: `${source}:${key}`, label: `${key} (${source === 'step' ? 'per step' : 'per epoch'}, logged)`, source, field: key, logged: true };
}

export function metricById(id: string): MetricDef {
  const logged = /^(step|epoch):(.+)$/.exec(id);
  if (logged) return loggedMetric(logged[1] as 'step' | 'epoch', logged[2]);
  return METRICS.find((m) => m.id === id) ?? METRICS[0];
}

/** The format's metrics, then every extra key these runs logged (in the order first seen). */
export function metricChoices(series: Iterable<RunSeries>): MetricDef[] {
  const logged = new Map<string, MetricDef>();
  for (const s of series) {
    for (const key of s.steps.extraFields(STEP_FIELDS)) logged.set(`step:${key}`, loggedMetric('step', key));
    for (const key of s.epochs.extraFields(EPOCH_FIELDS)) logged.set(`epoch:${key}`, loggedMetric('epoch', key));
  }
  return [...METRICS, ...logged.values()];
}

/** Optimizer steps per epoch, when the run has said how many steps it plans. */
export function stepsPerEpoch(run: RunRecord | undefined): number | undefined {
  if (!run?.totalSteps || !run.config.epochs) return undefined;
  return run.totalSteps / run.config.epochs;
}

export interface Point {
  x: number;
  y: number;
}

/** Row count of the metric's source table. */
export function rowCount(series: RunSeries, metric: MetricDef): number {
  return metric.source === 'step' ? series.steps.length : series.epochs.length;
}

/**
 * The x of each row: the step, seconds since the run started, or the (fractional) epoch. Steps and
 * epoch ends share one epoch scale (step / steps per epoch) so step and epoch metrics line up.
 */
export function xColumn(series: RunSeries, metric: MetricDef, axis: XAxis, spe: number | undefined): (i: number) => number {
  const table = metric.source === 'step' ? series.steps : series.epochs;
  const step = table.col('step');
  if (axis === 'step') return (i) => step[i];
  if (axis === 'time') {
    const t = table.col('t');
    return (i) => t[i] / 1000;
  }
  if (spe) return (i) => step[i] / spe;
  const epoch = table.col('epoch');
  return (i) => epoch[i];
}

export function yColumn(series: RunSeries, metric: MetricDef): Float64Array {
  return metric.source === 'step' ? series.steps.col(metric.field) : series.epochs.col(metric.field);
}
