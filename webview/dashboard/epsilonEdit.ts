/**
 * What an ε typed into the runs table means for a run: the loss the rerun trains with, or the
 * message that says why there is none. The text is read like every other ε box (parseEpsilonText),
 * then the whole config of the rerun is validated the way the host will validate it. No DOM.
 */
import { configWithLoss } from '../../src/core/config';
import { epsilonList, type LossSpec } from '../../src/core/lossSpec';
import type { RunRecord } from '../../src/core/runFormat';
import { parseEpsilonText, validateRunConfig } from '../../src/core/validate';

export interface EpsilonReading {
  /** The loss of the rerun; undefined while the text has an error. */
  loss: LossSpec | undefined;
  /** An error (blocks the rerun) or a warning (does not), shown on the field. */
  message?: { severity: 'error' | 'warning'; text: string };
}

/** Runs whose loss has ε coefficients: Poly-N and Poly-N focal. */
export function hasEpsilon(run: RunRecord): boolean {
  return run.config.loss.type === 'poly' || run.config.loss.type === 'poly-focal';
}

/** The run's ε as the field starts: "2", or "1, 0.5, -0.2" for Poly-N. */
export function epsilonText(loss: LossSpec): string {
  return epsilonList(loss).join(', ');
}

export function readEpsilon(run: RunRecord, text: string): EpsilonReading {
  const parsed = parseEpsilonText(text);
  if (!parsed.ok) return { loss: undefined, message: { severity: 'error', text: parsed.message } };
  const loss: LossSpec = { ...run.config.loss, epsilon: parsed.value };
  const checked = validateRunConfig(configWithLoss(run.config, loss));
  const [error] = checked.ok ? [] : checked.errors;
  if (error) return { loss: undefined, message: { severity: 'error', text: error.message } };
  const [warning] = checked.warnings;
  return { loss, ...(warning ? { message: { severity: 'warning', text: warning.message } } : {}) };
}
