import type { LossSpec } from './lossSpec';
import { DEFAULT_CONFIG, type DatasetSpec, type ModelSpec, type OptimizerSpec, type RunConfig } from './runConfig';

/** What a user writes: any field may be left out and is then taken from DEFAULT_CONFIG. */
export type PartialRunConfig = Partial<Omit<RunConfig, 'dataset' | 'model' | 'loss' | 'optimizer'>> & {
  dataset?: Partial<DatasetSpec>;
  model?: Partial<ModelSpec>;
  loss?: Partial<LossSpec>;
  optimizer?: Partial<OptimizerSpec>;
};

/**
 * A full config from a partial one. A section of another kind than the default (say
 * `model: {type: 'cnn'}`) does not inherit the default's kind-specific fields (`hidden`), only
 * the ones every kind uses (the split fractions, the learning rate). Values of the wrong shape
 * are kept as they are, so that validation (always run afterwards) reports them.
 */
export function withDefaults(partial: PartialRunConfig): RunConfig {
  return overlayConfig(DEFAULT_CONFIG, partial);
}

/**
 * `base` with a partial config laid over it, by the same rules as withDefaults: used where
 * settings come in layers (an experiment file's shared settings, then one run's overrides).
 */
export function overlayConfig(base: RunConfig, partial: PartialRunConfig): RunConfig {
  const copy = structuredClone(base);
  if (!isObject(partial)) return partial as RunConfig;
  return {
    ...copy,
    ...partial,
    dataset: mergeSection(copy.dataset, partial.dataset, 'name', ['validationFraction', 'testFraction']),
    model: mergeSection(copy.model, partial.model, 'type', []),
    loss: mergeSection(copy.loss, partial.loss, 'type', []),
    optimizer: mergeSection(copy.optimizer, partial.optimizer, 'type', ['learningRate']),
  };
}

/**
 * A run's config for a new run with another loss: every setting kept, the loss replaced, and the
 * name, experiment entry and sweep dropped. They describe the old loss (the new run gets a default
 * name from its own), and keeping them would count the new run as a result of that entry or as a
 * point of that sweep.
 */
export function configWithLoss(config: RunConfig, loss: LossSpec): RunConfig {
  const { name: _name, experiment: _experiment, sweepId: _sweepId, ...settings } = structuredClone(config);
  return { ...settings, loss: structuredClone(loss) };
}

function mergeSection<T extends object>(base: T, over: Partial<T> | undefined, kindKey: keyof T, sharedKeys: (keyof T)[]): T {
  if (over === undefined) return base;
  if (!isObject(over)) return over as T;
  const sameKind = over[kindKey] === undefined || over[kindKey] === base[kindKey];
  const inherited = sameKind ? base : Object.fromEntries(sharedKeys.filter((k) => k in base).map((k) => [k, base[k]]));
  return { ...inherited, ...over } as T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
