import type { LossSpec } from '../../src/core/lossSpec';
import type { BuiltinRunConfig } from '../../src/core/runConfig';

/** A run's config whose settings differ from the defaults everywhere, so a rerun that drops one shows. */
export const RERUN_SOURCE: BuiltinRunConfig = {
  name: 'iris poly', experiment: 'study.polyloss.json', sweepId: 'sweep-1',
  dataset: { name: 'iris', validationFraction: 0.2, testFraction: 0.2, labelNoise: 0.1 },
  model: { type: 'mlp', hidden: [32, 16] },
  loss: { type: 'poly', epsilon: 2, labelSmoothing: 0.1 },
  optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.8 },
  batchSize: 16, epochs: 3, seed: 7, backend: 'cpu',
};

/**
 * What a rerun of RERUN_SOURCE with `loss` must start, written out rather than derived: the same
 * settings, that loss, and no name, experiment entry or sweep.
 */
export function expectedRerun(loss: LossSpec): BuiltinRunConfig {
  return {
    dataset: { name: 'iris', validationFraction: 0.2, testFraction: 0.2, labelNoise: 0.1 },
    model: { type: 'mlp', hidden: [32, 16] },
    loss,
    optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.8 },
    batchSize: 16, epochs: 3, seed: 7, backend: 'cpu',
  };
}
