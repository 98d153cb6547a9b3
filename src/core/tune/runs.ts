import { summaryValue, type SummaryOptions } from '../grouping';
import type { RunConfig } from '../runConfig';
import type { RunRecord } from '../runFormat';
import { planSweep } from '../sweep';
import type { PlannedRun, Setting, TuneObservation } from './planner';

/**
 * Between the planner's (ε, seed) pairs and runs: the config of a planned run, built by the sweep's
 * own expansion (same names, same validation), and the results of a tune's runs.
 */

/** The run config of one planned run of sweep `sweepId`: CE for ε = null, else Poly-1 with that ε. */
export function tuneRunConfig(base: RunConfig, run: PlannedRun, sweepId: string): RunConfig {
  const spec = run.epsilon === null ? { seeds: [run.seed] } : { epsilon: [run.epsilon], seeds: [run.seed] };
  return planSweep(spec, { ...base, loss: { ...base.loss, type: 'ce' } }, sweepId).configs[0];
}

/** The setting a tune's run trains: null for CE, its ε for Poly-1; undefined for anything else. */
export function settingOf(config: RunConfig): Setting | undefined {
  if (config.loss.type === 'ce') return null;
  if (config.loss.type === 'poly' && typeof config.loss.epsilon === 'number') return config.loss.epsilon;
  return undefined;
}

/**
 * The finished runs of the sweep as observations: a completed run gives its metric, a diverged one
 * gives none (value null). Runs still going, failed, cancelled or interrupted are not results yet.
 */
export function tuneObservations(runs: readonly RunRecord[], sweepId: string, metric: SummaryOptions): TuneObservation[] {
  const found = new Map<string, TuneObservation>();
  for (const run of runs) {
    if (run.config.sweepId !== sweepId || (run.status !== 'completed' && run.status !== 'diverged')) continue;
    const epsilon = settingOf(run.config);
    if (epsilon === undefined) continue;
    const value = run.status === 'completed' ? summaryValue(run, metric) ?? null : null;
    const key = `${epsilon}@${run.config.seed}`;
    const earlier = found.get(key);
    if (!earlier || (earlier.value === null && value !== null)) found.set(key, { epsilon, seed: run.config.seed, value });
  }
  return [...found.values()];
}
