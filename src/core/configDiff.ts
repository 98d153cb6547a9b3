import { describeLoss, epsilonList, gammaOf } from './lossSpec';
import { DEFAULT_CONFIG, type RunConfig } from './runConfig';

/** The momentum sgd uses when none is given (see OptimizerSpec). */
const DEFAULT_SGD_MOMENTUM = 0.9;

/**
 * Which settings differ between runs, in words people use: drives the compare table columns and
 * the dashboard legend ("ε=2, seed 1"). Pure: usable from the CLI, the host and the webviews.
 */

/** One setting that is not the same in every run; `values[i]` belongs to the i-th config ('' = not set). */
export interface ConfigDifference {
  key: string;
  label: string;
  values: string[];
}

export interface ConfigDiff {
  differences: ConfigDifference[];
  /** Settings shared by all runs. */
  common: { key: string; label: string; value: string }[];
  /** One short label per config naming only what sets it apart, e.g. "Poly-1 ε=2, seed 1". */
  legend: string[];
}

/** Keys that name or group runs rather than change what is trained. */
const IGNORED_KEYS = new Set(['name', 'sweepId', 'experiment']);

const LABELS: Record<string, string> = {
  loss: 'loss',
  'loss.type': 'loss',
  'loss.epsilon': 'ε',
  'loss.gamma': 'γ',
  'loss.labelSmoothing': 'label smoothing',
  'loss.activation': 'activation',
  'loss.alpha': 'α',
  'command.argv': 'command',
  'command.cwd': 'cwd',
  'dataset.name': 'dataset',
  'dataset.path': 'data',
  'dataset.labelsPath': 'labels',
  'dataset.imbalanceRatio': 'imbalance',
  'dataset.labelNoise': 'label noise',
  'dataset.maxSamples': 'max samples',
  'dataset.validationFraction': 'val fraction',
  'dataset.testFraction': 'test fraction',
  'model.type': 'model',
  'model.hidden': 'hidden',
  'model.filters': 'filters',
  'optimizer.type': 'optimizer',
  'optimizer.learningRate': 'lr',
  'optimizer.momentum': 'momentum',
  batchSize: 'batch',
  epochs: 'epochs',
  backend: 'backend',
  seed: 'seed',
};

export function labelOf(key: string): string {
  return LABELS[key] ?? key;
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (Array.isArray(value)) return value.map(formatValue).join(',');
  return String(value);
}

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (!prefix && IGNORED_KEYS.has(k)) continue;
      flatten(v, key, out);
    }
  } else {
    out.set(prefix, formatValue(value));
  }
}

/** Known settings in the order of LABELS (loss first, seed last), then any others alphabetically. */
function compareKeys(a: string, b: string): number {
  const order = Object.keys(LABELS);
  const ra = order.indexOf(a) < 0 ? order.length : order.indexOf(a);
  const rb = order.indexOf(b) < 0 ? order.length : order.indexOf(b);
  return ra - rb || a.localeCompare(b);
}

/**
 * The settings of one config as display strings, normalised so that equivalent configs compare equal:
 * the loss by its effective ε list and γ, defaults made explicit, and fields that the chosen model or
 * optimizer ignores left out.
 */
export function configFacts(config: RunConfig): Map<string, string> {
  const facts = new Map<string, string>();
  flatten(config, '', facts);
  for (const key of [...facts.keys()]) if (key.startsWith('loss.')) facts.delete(key);
  const loss = config.loss;
  facts.set('loss.type', loss.type);
  facts.set('loss.epsilon', formatValue(epsilonList(loss)));
  facts.set('loss.gamma', formatValue(gammaOf(loss) || undefined));
  facts.set('loss.labelSmoothing', formatValue(loss.labelSmoothing || undefined));
  facts.set('loss.activation', loss.activation ?? 'softmax');
  facts.set('loss.alpha', formatValue(loss.alpha));
  if (config.command !== undefined) {
    facts.set('command.argv', config.command.argv.join(' '));
    return new Map([...facts].sort(([a], [b]) => compareKeys(a, b)));
  }
  const { dataset, model, optimizer } = config;
  facts.set('dataset.imbalanceRatio', formatValue(dataset.imbalanceRatio ?? 1));
  facts.set('dataset.labelNoise', formatValue(dataset.labelNoise ?? 0));
  facts.set('dataset.validationFraction', formatValue(dataset.validationFraction ?? DEFAULT_CONFIG.dataset.validationFraction));
  facts.set('dataset.testFraction', formatValue(dataset.testFraction ?? DEFAULT_CONFIG.dataset.testFraction));
  if (model.type === 'mlp') facts.set('model.hidden', formatValue(model.hidden ?? DEFAULT_CONFIG.model.hidden));
  else facts.delete('model.hidden');
  if (model.type !== 'cnn') facts.delete('model.filters');
  if (optimizer.type === 'sgd') facts.set('optimizer.momentum', formatValue(optimizer.momentum ?? DEFAULT_SGD_MOMENTUM));
  else facts.delete('optimizer.momentum');
  return new Map([...facts].sort(([a], [b]) => compareKeys(a, b)));
}

function legendPart(key: string, value: string): string {
  if (key === 'loss') return value;
  if (key === 'seed') return `seed ${value}`;
  if (key === 'loss.epsilon' || key === 'loss.gamma' || key === 'loss.alpha') return `${labelOf(key)}=${value || '—'}`;
  return `${labelOf(key)} ${value || '—'}`;
}

export function diffConfigs(configs: readonly RunConfig[]): ConfigDiff {
  const facts = configs.map(configFacts);
  const keys = [...new Set(facts.flatMap((f) => [...f.keys()]))].sort(compareKeys);

  let differences: ConfigDifference[] = [];
  const common: ConfigDiff['common'] = [];
  for (const key of keys) {
    const values = facts.map((f) => f.get(key) ?? '');
    if (values.every((v) => v === values[0])) common.push({ key, label: labelOf(key), value: values[0] });
    else differences.push({ key, label: labelOf(key), values });
  }

  // When the loss type differs, "Poly-1 ε=2" says more than separate type/ε/γ columns.
  if (differences.some((d) => d.key === 'loss.type')) {
    const lossColumn: ConfigDifference = { key: 'loss', label: labelOf('loss'), values: configs.map((c) => describeLoss(c.loss)) };
    differences = [lossColumn, ...differences.filter((d) => !d.key.startsWith('loss.'))];
  }

  const legend = configs.map((c, i) => {
    if (differences.length === 0) return describeLoss(c.loss);
    return differences.map((d) => legendPart(d.key, d.values[i])).join(', ');
  });
  return { differences, common, legend };
}
