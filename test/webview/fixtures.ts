import type { EpochMetric, MetricLine, RunRecord, RunStatus, StepMetric } from '../../src/core/runFormat';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../../src/core/runConfig';

/** Test runs with deterministic, plausible curves (values are functions of the step, not random). */
let created = 0;

export function makeRun(id: string, patch: Omit<Partial<RunRecord>, 'config'> & { config?: Partial<BuiltinRunConfig> } = {}): RunRecord {
  const { config, ...rest } = patch;
  return {
    schemaVersion: 1, id, name: `run ${id}`, status: 'completed' as RunStatus,
    createdAt: new Date(Date.UTC(2024, 4, 1, 10, 0, created++)).toISOString(),
    config: { ...DEFAULT_CONFIG, ...config },
    totalSteps: 1000,
    ...rest,
  };
}

export function stepLine(step: number, stepsPerEpoch = 100, offset = 0): StepMetric {
  const base = 2.3 * Math.exp(-step / 300) + 0.1 + offset + 0.05 * Math.sin(step * 0.7);
  const poly = 0.3 * Math.exp(-step / 200);
  return { kind: 'step', step, epoch: Math.floor((step - 1) / stepsPerEpoch) + 1, t: step * 20, loss: base + poly, base, poly, acc: Math.min(1, 0.1 + step / 1200) };
}

export function epochLine(epoch: number, stepsPerEpoch = 100): EpochMetric {
  const step = epoch * stepsPerEpoch;
  return {
    kind: 'epoch', epoch, step, t: step * 20, trainLoss: 2 / (epoch + 1), valLoss: 2.2 / (epoch + 1), valAcc: 1 - 0.8 / (epoch + 1),
    pt: { mean: 1 - 0.7 / (epoch + 1), q25: 1 - 0.9 / (epoch + 1), q50: 1 - 0.6 / (epoch + 1), q75: 1 - 0.3 / (epoch + 1) },
  };
}

/** Steps from..to (inclusive) with an epoch line after every full epoch. */
export function lines(from: number, to: number, stepsPerEpoch = 100, offset = 0): MetricLine[] {
  const out: MetricLine[] = [];
  for (let s = from; s <= to; s++) {
    out.push(stepLine(s, stepsPerEpoch, offset));
    if (s % stepsPerEpoch === 0) out.push(epochLine(s / stepsPerEpoch, stepsPerEpoch));
  }
  return out;
}
