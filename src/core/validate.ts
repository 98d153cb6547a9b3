/**
 * Validation of loss specs and run configs: the JSON schemas in media/schemas (the same files
 * VS Code uses to check experiment and config files in the editor), then the rules that relate
 * fields to each other, which a schema cannot state with a readable message.
 */
import lossSpecSchema from '../../media/schemas/loss-spec.schema.json';
import runConfigSchema from '../../media/schemas/run-config.schema.json';
import { withDefaults, type PartialCommandRunConfig, type PartialRunConfig } from './config';
import { checkSchema, type Issue, type Schema, type SchemaDocuments } from './jsonSchema';
import { MAX_POLY_TERMS, epsilonList, type LossSpec } from './lossSpec';
import { monotoneUntil } from './polyloss';
import { BUILTIN_ONLY_FIELDS, type BuiltinRunConfig, type CommandRunConfig, type DatasetSpec, type RunConfig } from './runConfig';

export type { Issue } from './jsonSchema';
export type Validation<T> =
  | { ok: true; value: T; warnings: Issue[] }
  | { ok: false; errors: Issue[]; warnings: Issue[] };

export const SCHEMA_DOCUMENTS: SchemaDocuments = {
  'loss-spec.schema.json': lossSpecSchema as Schema,
  'run-config.schema.json': runConfigSchema as Schema,
};

/** Checks a loss spec on its own (CLI flags, quick inputs); paths start with `basePath`. */
export function validateLossSpec(value: unknown, basePath = 'loss'): Validation<LossSpec> {
  return conclude(value, checkSchema(SCHEMA_DOCUMENTS, 'loss-spec.schema.json', value, basePath),
    (spec: LossSpec) => lossRules(spec, basePath));
}

/** Checks a full run config (see withDefaults / resolveRunConfig for partial ones). */
export function validateRunConfig(value: unknown): Validation<RunConfig> {
  return conclude(value, checkSchema(SCHEMA_DOCUMENTS, 'run-config.schema.json', value),
    (config: RunConfig) => [...lossRules(config.loss, 'loss'), ...configRules(config)]);
}

/** A partial config as a user writes it → the full config, filled from DEFAULT_CONFIG, validated. */
export function resolveRunConfig(partial: unknown): Validation<RunConfig> {
  return validateRunConfig(withDefaults(partial as PartialRunConfig | PartialCommandRunConfig));
}

/** Schema errors first; the cross-field rules only run on a value of the right shape. */
function conclude<T>(value: unknown, schemaIssues: Issue[], rules: (value: T) => Issue[]): Validation<T> {
  if (schemaIssues.length > 0) return { ok: false, errors: schemaIssues, warnings: [] };
  const issues = rules(value as T);
  const errors = issues.filter((issue) => issue.severity === 'error');
  const warnings = issues.filter((issue) => issue.severity === 'warning');
  return errors.length > 0 ? { ok: false, errors, warnings } : { ok: true, value: value as T, warnings };
}

/** One issue per line, errors first, for terminal output. '' when there are none. */
export function formatIssues(issues: readonly Issue[]): string {
  const ordered = [...issues].sort((a, b) => Number(a.severity === 'warning') - Number(b.severity === 'warning'));
  return ordered.map((issue) => `${issue.severity}: ${issue.message}`).join('\n');
}

export const EPSILON_TEXT_ERROR = `ε must be a number or a comma-separated list of at most ${MAX_POLY_TERMS} numbers`;

/**
 * Parses ε as typed in a text box: "2" → 2 (Poly-1), "1, 0.5, -0.2" or "[1, 0.5, -0.2]" →
 * [1, 0.5, -0.2] (Poly-N). Accepts the typographic minus "−".
 */
export function parseEpsilonText(text: string): { ok: true; value: number | number[] } | { ok: false; message: string } {
  const inner = text.trim().replace(/^\[(.*)\]$/s, '$1').replace(/\u2212/g, '-');
  const parts = inner.split(',').map((part) => part.trim());
  const bad = parts.find((part) => !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(part));
  if (bad !== undefined) {
    const reason = bad !== '' ? `"${bad}" is not a number` : parts.length === 1 ? 'nothing entered' : 'found an empty entry';
    return { ok: false, message: `${EPSILON_TEXT_ERROR} (${reason})` };
  }
  if (parts.length > MAX_POLY_TERMS) return { ok: false, message: `${EPSILON_TEXT_ERROR} (got ${parts.length})` };
  const numbers = parts.map(Number);
  if (!numbers.every(Number.isFinite)) return { ok: false, message: `${EPSILON_TEXT_ERROR} (a value is too large)` };
  return { ok: true, value: numbers.length === 1 ? numbers[0] : numbers };
}

const FOCAL_TYPES: readonly string[] = ['focal', 'poly-focal'];
const POLY_TYPES: readonly string[] = ['poly', 'poly-focal'];
const IMAGE_DATASETS: readonly string[] = ['digits', 'mnist', 'idx'];
/** Dataset fields that only some datasets read. */
const DATASET_FIELD_USERS: Readonly<Partial<Record<keyof DatasetSpec, readonly string[]>>> = {
  path: ['csv', 'idx'],
  labelsPath: ['idx'],
  labelColumn: ['csv'],
  header: ['csv'],
};

function lossRules(spec: LossSpec, base: string): Issue[] {
  const issues: Issue[] = [];
  const activation = spec.activation ?? 'softmax';
  if (spec.alpha !== undefined && activation !== 'sigmoid') {
    issues.push(error(`${base}.alpha`, `is only used with activation "sigmoid" (activation is "${activation}")`));
  }
  if (spec.labelSmoothing && activation !== 'softmax') {
    issues.push(error(`${base}.labelSmoothing`, `only works with activation "softmax" (activation is "${activation}")`));
  }
  if (spec.gamma !== undefined && !FOCAL_TYPES.includes(spec.type)) {
    issues.push(ignored(`${base}.gamma`, `type "${spec.type}"`, FOCAL_TYPES));
  }
  if (spec.epsilon !== undefined && !POLY_TYPES.includes(spec.type)) {
    issues.push(ignored(`${base}.epsilon`, `type "${spec.type}"`, POLY_TYPES));
  }
  // With α the focal term is weighted but the poly term is not, so the shape analysis differs.
  if (POLY_TYPES.includes(spec.type) && spec.alpha === undefined) {
    const eps = epsilonList(spec);
    const turn = monotoneUntil(spec);
    if (turn !== undefined) {
      const name = eps.length === 1 ? 'ε' : 'ε1';
      const cause = eps[0] < -1
        ? `${name} = ${eps[0]} < −1 makes the leading coefficient 1 + ${name} negative, so`
        : 'with these coefficients';
      issues.push(warning(`${base}.epsilon`,
        `: ${cause} the loss is no longer monotone in Pt: it decreases only while Pt < ${Number(turn.toPrecision(3))}`));
    }
  }
  return issues;
}

function configRules(config: RunConfig): Issue[] {
  if (config.command !== undefined) return commandRules(config);
  const missing = BUILTIN_ONLY_FIELDS.filter((field) => config[field] === undefined);
  if (missing.length > 0) {
    return missing.map((field) => error(field, 'is required (or give "command" to train with your own script)'));
  }
  return builtinRules(config);
}

/** A command run's data, model and schedule are the script's: built-in settings would be silently ignored. */
function commandRules(config: CommandRunConfig): Issue[] {
  return BUILTIN_ONLY_FIELDS.filter((field) => config[field] !== undefined)
    .map((field) => error(field, 'is not used by a run of your own command (the script sets it; pass values in command.params)'));
}

function builtinRules(config: BuiltinRunConfig): Issue[] {
  const issues: Issue[] = [];
  const { dataset, model, optimizer } = config;
  if ((dataset.name === 'csv' || dataset.name === 'idx') && dataset.path === undefined) {
    issues.push(error('dataset.path', `is required for dataset "${dataset.name}" (the ${dataset.name === 'csv' ? 'CSV' : 'images'} file)`));
  }
  if (dataset.name === 'idx' && dataset.labelsPath === undefined) {
    issues.push(error('dataset.labelsPath', 'is required for dataset "idx" (the labels file)'));
  }
  for (const [field, users = []] of Object.entries(DATASET_FIELD_USERS)) {
    if (dataset[field as keyof DatasetSpec] !== undefined && !users.includes(dataset.name)) issues.push(ignored(`dataset.${field}`, `dataset "${dataset.name}"`, users));
  }
  const held = (dataset.validationFraction ?? 0) + (dataset.testFraction ?? 0);
  if (held >= 1) {
    issues.push(error('dataset', `: validationFraction + testFraction must be < 1 to leave training data (got ${Number(held.toPrecision(6))})`));
  }
  if (model.type === 'cnn' && !IMAGE_DATASETS.includes(dataset.name)) {
    issues.push(error('model.type', `"cnn" needs an image dataset (${IMAGE_DATASETS.join(', ')}), not "${dataset.name}"; use "mlp"`));
  }
  if (model.filters !== undefined && model.type !== 'cnn') issues.push(ignored('model.filters', `model "${model.type}"`, ['cnn']));
  if (optimizer.momentum !== undefined && optimizer.type !== 'sgd') {
    issues.push(ignored('optimizer.momentum', `optimizer "${optimizer.type}"`, ['sgd']));
  }
  return issues;
}

/** `text` follows the path: a leading ':' or a verb phrase. */
function error(path: string, text: string): Issue {
  return { path, message: `${path}${text.startsWith(':') ? '' : ' '}${text}`, severity: 'error' };
}

function warning(path: string, text: string): Issue {
  return { ...error(path, text), severity: 'warning' };
}

function ignored(path: string, by: string, usedBy: readonly string[]): Issue {
  return warning(path, `is ignored by ${by}; it applies to ${usedBy.map((name) => `"${name}"`).join(', ')}`);
}
