import type { MetricLine, RunSummary } from './runFormat';

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * The summary of what metrics.jsonl holds, for a run that ended without writing its own (it failed,
 * was interrupted, or a script exited without finish()): steps and epochs done, the last training
 * loss, the last validation loss and accuracy, the best validation accuracy. Test results and
 * throughput cannot be known from the lines and stay unset. Extra metric keys are ignored.
 */
export function summarizeMetrics(lines: Iterable<MetricLine>): RunSummary {
  const summary: RunSummary = { steps: 0, epochs: 0 };
  let best = -Infinity;
  for (const line of lines) {
    if (finite(line.step)) summary.steps = Math.max(summary.steps, line.step);
    if (line.kind === 'step') {
      if (finite(line.loss)) summary.finalLoss = line.loss;
      continue;
    }
    if (finite(line.epoch)) summary.epochs = Math.max(summary.epochs, line.epoch);
    // The last epoch's values, or none: an earlier epoch's value is not the final one.
    delete summary.finalValLoss;
    delete summary.finalValAcc;
    if (finite(line.valLoss)) summary.finalValLoss = line.valLoss;
    if (finite(line.valAcc)) {
      summary.finalValAcc = line.valAcc;
      best = Math.max(best, line.valAcc);
    }
  }
  if (best > -Infinity) summary.bestValAcc = best;
  return summary;
}
