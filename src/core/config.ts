import type { LossSpec } from './lossSpec';
import {
  DEFAULT_CONFIG, type BuiltinRunConfig, type CommandRunConfig, type DatasetSpec, type ModelSpec, type OptimizerSpec, type RunConfig,
} from './runConfig';

/** What a user writes: any field may be left out and is then taken from DEFAULT_CONFIG. */
export type PartialRunConfig = Partial<Omit<BuiltinRunConfig, 'dataset' | 'model' | 'loss' | 'optimizer'>> & {
  dataset?: Partial<DatasetSpec>;
  model?: Partial<ModelSpec>;
  loss?: Partial<LossSpec>;
  optimizer?: Partial<OptimizerSpec>;
};

/** The same for a run of the user's command: its command, and maybe a loss and seed. */
export type PartialCommandRunConfig = Partial<Omit<CommandRunConfig, 'loss'>> & { command: CommandRunConfig['command']; loss?: Partial<LossSpec> };

/**
 * A full config from a partial one. A section of another kind than the default (say
 * `model: {type: 'cnn'}`) does not inherit the default's kind-specific fields (`hidden`), only
 * the ones every kind uses (the split fractions, the learning rate). Values of the wrong shape
 * are kept as they are, so that validation (always run afterwards) reports them.
 */
export function withDefaults(partial: PartialRunConfig): BuiltinRunConfig;
export function withDefaults(partial: PartialRunConfig | PartialCommandRunConfig): RunConfig;
export function withDefaults(partial: PartialRunConfig | PartialCommandRunConfig): RunConfig {
  return overlayConfig(DEFAULT_CONFIG, partial);
}

/**
 * A command run takes only the loss and seed defaults: data, model and schedule are the script's.
 * Built-in fields it was given anyway are kept, so that validation names them.
 */
function commandWithDefaults(partial: PartialCommandRunConfig): RunConfig {
  const { loss, seed } = DEFAULT_CONFIG;
  return { loss: structuredClone(loss), seed, ...structuredClone(partial) } as RunConfig;
}

/**
 * `base` with a partial config laid over it, by the same rules as withDefaults: used where
 * settings come in layers (an experiment file's shared settings, then one run's overrides).
 */
export function overlayConfig(base: RunConfig, partial: PartialRunConfig | PartialCommandRunConfig): RunConfig {
  if (!isObject(partial)) return partial as RunConfig;
  if (partial.command !== undefined) return commandWithDefaults(partial);
  if (base.command !== undefined) {
    return { ...structuredClone(base), ...structuredClone(partial), loss: mergeSection(structuredClone(base.loss), partial.loss, 'type', []) } as RunConfig;
  }
  const copy = structuredClone(base);
  return {
    ...copy,
    ...partial,
    dataset: mergeSection(copy.dataset, partial.dataset, 'name', ['validationFraction', 'testFraction']),
    model: mergeSection(copy.model, partial.model, 'type', []),
    loss: mergeSection(copy.loss, partial.loss, 'type', []),
    optimizer: mergeSection(copy.optimizer, partial.optimizer, 'type', ['learningRate']),
  } as BuiltinRunConfig;
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
