/**
 * Experiment files (`*.polyloss.json`, JSON with comments): shared dataset, model and training
 * settings and a list of runs that differ in their loss. Parsing turns one into run configs (one
 * per run and seed) and into issues that each carry the range of text they are about, for the
 * editor's diagnostics and the CLI's messages alike. The schema in media/schemas is the one
 * VS Code uses while the file is typed; the same file validates here at run time.
 */
import experimentSchema from '../../media/schemas/experiment.schema.json';
import sweepSchema from '../../media/schemas/sweep.schema.json';
import { fileNameOf, folderOf, resolveFrom } from './filePaths';
import { withDefaults, overlayConfig, type PartialRunConfig } from './config';
import {
  deepestNodeAt, getNodeValue, formatIssuePath, nodeAt, parseIssuePath, parseJsonc, rangeOf, underlineRange,
  type Node, type TextRange, type ValuePath,
} from './experimentTree';
import { checkSchema, type Issue, type Schema, type SchemaDocuments } from './jsonSchema';
import type { LossSpec } from './lossSpec';
import { DEFAULT_CONFIG, type BackendChoice, type DatasetSpec, type ModelSpec, type OptimizerSpec, type RunConfig } from './runConfig';
import { SweepError, generateSweepId, planSweep, type SweepPlan, type SweepSpec } from './sweep';
import { SCHEMA_DOCUMENTS, validateRunConfig } from './validate';

export type { TextRange } from './experimentTree';

export const EXPERIMENT_FILE_SUFFIX = '.polyloss.json';
export const EXPERIMENT_SCHEMA_FILE = 'experiment.schema.json';

const DOCUMENTS: SchemaDocuments = {
  ...SCHEMA_DOCUMENTS, [EXPERIMENT_SCHEMA_FILE]: experimentSchema as Schema, 'sweep.schema.json': sweepSchema as Schema,
};

/** The file as written (after the schema check). */
export interface ExperimentFile {
  $schema?: string;
  /** Built-in training: the data and the classifier. */
  dataset?: Partial<DatasetSpec>;
  model?: Partial<ModelSpec>;
  /** Or your own script: its argv, its folder (relative to the file) and values handed to it. */
  command?: string[];
  cwd?: string;
  params?: Record<string, unknown>;
  training?: ExperimentTraining;
  runs: ExperimentRunValue[];
  sweep?: SweepSpec;
}

export interface ExperimentTraining {
  optimizer?: Partial<OptimizerSpec>;
  batchSize?: number;
  epochs?: number;
  backend?: BackendChoice;
  seeds?: number[];
}

export interface ExperimentRunValue {
  name: string;
  loss: LossSpec;
  seeds?: number[];
  overrides?: Pick<PartialRunConfig, 'dataset' | 'model' | 'optimizer' | 'batchSize' | 'epochs' | 'backend'>;
}

/** A run entry of the file that is ready to train. */
export interface ExperimentRunEntry {
  name: string;
  loss: LossSpec;
  seeds: number[];
  /** One per seed, with `experiment` set and `name` = experimentRunName(name, seed). */
  configs: RunConfig[];
  /** The entry's object, its name string and its epsilon value (when it has one) in the text. */
  range: TextRange;
  nameRange: TextRange;
  epsilonRange?: TextRange;
}

/** The loss of a sweep section's base: the grid turns it into Poly-1 (ε), focal (γ) or keeps it (label smoothing). */
export const SWEEP_BASE_LOSS: LossSpec = { type: 'ce' };

/** The file's sweep section, planned over its shared settings: every run, under one sweep id. */
export interface ExperimentSweep extends SweepPlan {
  spec: SweepSpec;
  /** The shared settings with SWEEP_BASE_LOSS and `experiment` set: what the sweep is saved (and resumed) with. */
  base: RunConfig;
  /** The `sweep` property in the text, from its key. */
  range: TextRange;
}

/**
 * A problem in the file. `path` is the location in the file's value (e.g. `runs[2].loss.epsilon`);
 * `kind` says which check found it: the JSON syntax, the schema (VS Code also reports these when
 * it applies the schema), the rules relating fields, or the files the dataset names.
 */
export interface ExperimentIssue extends Issue {
  range: TextRange;
  kind: 'syntax' | 'schema' | 'rules' | 'files';
}

export interface ParsedExperiment {
  /** The experiment's name: the file name without `.polyloss.json`. */
  experiment: string;
  /** The entries without errors, in file order. */
  runs: ExperimentRunEntry[];
  /** The sweep section, when the file has one without errors. */
  sweep?: ExperimentSweep;
  /** Everything found, in text order. */
  issues: ExperimentIssue[];
}

export interface ParseExperimentOptions {
  /** Whether a file exists (injected so that parsing stays pure; hosts pass fs.existsSync). */
  exists: (path: string) => boolean;
  /** The id the sweep's runs share (default: a new one from generateSweepId). */
  sweepId?: string;
}

/** The name of each trained run of an entry. */
export function experimentRunName(entryName: string, seed: number): string {
  return `${entryName} · seed ${seed}`;
}

/** `study/digits.polyloss.json` → `digits`. */
export function experimentNameOf(filePath: string): string {
  const base = fileNameOf(filePath);
  return base.toLowerCase().endsWith(EXPERIMENT_FILE_SUFFIX) ? base.slice(0, -EXPERIMENT_FILE_SUFFIX.length) : base.replace(/\.jsonc?$/i, '');
}

/**
 * Parses an experiment file. Dataset paths are resolved from the file's folder; `filePath` also
 * names the experiment. Nothing is trained and no file is read: only `options.exists` is asked.
 */
export function parseExperimentFile(text: string, filePath: string, options: ParseExperimentOptions): ParsedExperiment {
  const experiment = experimentNameOf(filePath);
  const { root, problems } = parseJsonc(text);
  if (problems.length > 0 || !root) {
    const issues = problems.map((p): ExperimentIssue => ({ path: '', message: p.message, severity: 'error', range: p.range, kind: 'syntax' }));
    return { experiment, runs: [], issues };
  }
  // getNodeValue builds objects without a prototype (so a "__proto__" key is inert); clone to plain ones.
  const value: unknown = structuredClone(getNodeValue(root));
  const file = value as ExperimentFile;
  const checks = new Checks(root, folderOf(filePath), options);
  const entries = Array.isArray(file?.runs) ? file.runs : [];
  const schemaIssues = checks.schema(value);
  const issues = [
    ...schemaIssues, ...(schemaIssues.length === 0 ? checks.trainer(file) : []), ...checks.duplicateNames(entries), ...checks.duplicateSeeds(file),
  ];
  // These errors leave the entry (or, in a shared section, every entry) unfit to build a config from.
  const errorPaths = issues.filter((issue) => issue.severity === 'error').map((issue) => parseIssuePath(issue.path));
  const blocked = (entry: number): boolean => errorPaths.some((where) => blocks(where, entry));

  const runs: ExperimentRunEntry[] = [];
  for (const [i, entry] of entries.entries()) {
    if (blocked(i)) continue;
    const configs = configsOf(file, entry, experiment, folderOf(filePath));
    const found = checks.usable(configs[0], i);
    issues.push(...found);
    if (found.some((issue) => issue.severity === 'error')) continue;
    const entryNode = nodeAt(root, ['runs', i])!;
    const epsilonNode = nodeAt(root, ['runs', i, 'loss', 'epsilon']);
    runs.push({
      name: entry.name, loss: entry.loss, seeds: configs.map((c) => c.seed), configs,
      range: rangeOf(entryNode), nameRange: rangeOf(nodeAt(root, ['runs', i, 'name'])!),
      ...(epsilonNode ? { epsilonRange: rangeOf(epsilonNode) } : {}),
    });
  }
  const sweepBlocked = errorPaths.some((where) => blocks(where, 'sweep'));
  const planned = file.sweep === undefined || sweepBlocked ? undefined : planFileSweep(file, experiment, folderOf(filePath), checks, options.sweepId);
  issues.push(...planned?.issues ?? []);
  return { experiment, runs, ...(planned?.sweep ? { sweep: planned.sweep } : {}), issues: sortedUnique(issues) };
}

/** The sweep section planned over the shared settings, or the issues that keep it from running. */
function planFileSweep(
  file: ExperimentFile, experiment: string, fileDir: string, checks: Checks, sweepId = generateSweepId(),
): { sweep?: ExperimentSweep; issues: ExperimentIssue[] } {
  const spec = file.sweep!;
  const base: RunConfig = { ...settingsOf(file, fileDir), loss: structuredClone(SWEEP_BASE_LOSS), experiment };
  const found = checks.usable(base, 'sweep');
  if (found.some((issue) => issue.severity === 'error')) return { issues: found };
  try {
    const plan = planSweep(spec, base, sweepId);
    const warnings = plan.warnings.map((issue) => checks.sweepIssue(issue));
    return { sweep: { ...plan, spec, base, range: checks.propertyRange(['sweep']) }, issues: [...found, ...warnings] };
  } catch (e) {
    if (!(e instanceof SweepError)) throw e;
    return { issues: [...found, ...e.issues.map((issue) => checks.sweepIssue(issue))] };
  }
}

/** Sections every run shares: an error there concerns every entry and the sweep. */
const SHARED_SECTIONS: readonly (string | number)[] = ['dataset', 'model', 'training', 'command', 'cwd', 'params'];

/** Whether an error at `where` keeps entry `owner` (an index in `runs`) or the sweep from running. */
function blocks(where: ValuePath, owner: number | 'sweep'): boolean {
  if (where.length === 0 || SHARED_SECTIONS.includes(where[0])) return true;
  if (owner === 'sweep') return where[0] === 'sweep';
  return where[0] === 'runs' && (where.length === 1 || where[1] === owner);
}

/** The seeds of an entry: its own, else the file's, else the default seed. */
function seedsOf(file: ExperimentFile, entry: ExperimentRunValue): number[] {
  return entry.seeds ?? file.training?.seeds ?? [DEFAULT_CONFIG.seed];
}

/** The shared settings of the file with `overrides` laid over them, dataset paths made absolute. */
function settingsOf(file: ExperimentFile, fileDir: string, overrides?: ExperimentRunValue['overrides']): RunConfig {
  if (file.command !== undefined) {
    const command = definedOnly({ argv: [...file.command], cwd: resolveFrom(fileDir, file.cwd ?? '.'), params: structuredClone(file.params) });
    return withDefaults({ command });
  }
  const { seeds: _seeds, ...training } = file.training ?? {};
  const shared = withDefaults(definedOnly({ dataset: file.dataset, model: file.model, ...training }));
  const merged = overlayConfig(shared, definedOnly({ ...overrides }));
  return merged.command === undefined ? { ...merged, dataset: resolveDatasetPaths(merged.dataset, fileDir) } : merged;
}

function configsOf(file: ExperimentFile, entry: ExperimentRunValue, experiment: string, fileDir: string): RunConfig[] {
  const settings = settingsOf(file, fileDir, entry.overrides);
  return seedsOf(file, entry).map((seed) => ({
    ...structuredClone(settings), loss: structuredClone(entry.loss), seed, name: experimentRunName(entry.name, seed), experiment,
  }));
}

/** Dataset files named relative to the experiment file's folder, made absolute. */
function resolveDatasetPaths(dataset: DatasetSpec, fileDir: string): DatasetSpec {
  const resolve = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolveFrom(fileDir, p));
  return definedOnly({ ...dataset, path: resolve(dataset.path), labelsPath: resolve(dataset.labelsPath) });
}

/**
 * The file paths where a setting of a config of `owner` (an entry's index, or the sweep) can be
 * written, most specific first. The sweep has no overrides: its settings are the shared ones.
 */
function placesOf(configPath: ValuePath, owner: number | 'sweep'): { prefix: ValuePath; path: ValuePath }[] {
  const shared: ValuePath = configPath[0] === 'dataset' || configPath[0] === 'model' ? [] : ['training'];
  const sharedPlace = { prefix: shared, path: [...shared, ...configPath] };
  if (owner === 'sweep') return configPath[0] === 'loss' ? [{ prefix: ['sweep'], path: sweepPathOf(configPath) }] : [sharedPlace];
  const own: ValuePath = ['runs', owner];
  if (configPath[0] === 'loss') return [{ prefix: own, path: [...own, ...configPath] }];
  return [{ prefix: [...own, 'overrides'], path: [...own, 'overrides', ...configPath] }, sharedPlace];
}

/** Where the sweep section sets a loss field of its configs: `loss.epsilon[0]` → `sweep.epsilon`. */
function sweepPathOf(configPath: ValuePath): ValuePath {
  if (configPath[0] === 'sweep') return configPath;
  const field = configPath[0] === 'loss' ? configPath[1] : undefined;
  return field === 'epsilon' || field === 'gamma' || field === 'labelSmoothing' ? ['sweep', field] : ['sweep'];
}

/** The checks beyond the schema, each locating its issues in the text. */
class Checks {
  constructor(private readonly root: Node, private readonly fileDir: string, private readonly options: ParseExperimentOptions) {}

  /** The cross-field rules and the dataset files of a config of `owner` (an entry's index, or the sweep). */
  usable(config: RunConfig, owner: number | 'sweep'): ExperimentIssue[] {
    return [...this.configRules(config, owner), ...this.datasetFiles(config, owner)];
  }

  /** Cross-field rules of the run config (validateRunConfig), located where the user wrote the field. */
  configRules(config: RunConfig, owner: number | 'sweep'): ExperimentIssue[] {
    const result = validateRunConfig(config);
    const found = [...(result.ok ? [] : result.errors), ...result.warnings];
    return found.map((issue) => this.locate(issue, parseIssuePath(issue.path), owner, 'rules'));
  }

  /** A problem planSweep found (in the spec, or in a config it made), located in the sweep section. */
  sweepIssue(issue: Issue): ExperimentIssue {
    const path = formatIssuePath(sweepPathOf(parseIssuePath(issue.path)));
    const message = issue.message.startsWith(issue.path) ? path + issue.message.slice(issue.path.length) : issue.message;
    return this.at(parseIssuePath(path), { ...issue, path, message }, 'rules');
  }

  /** A property of the file from its key to the end of its value (the value alone when it has no key). */
  propertyRange(path: ValuePath): TextRange {
    const node = nodeAt(this.root, path)!;
    return rangeOf(node.parent?.type === 'property' ? node.parent : node);
  }

  /** The files a csv / idx dataset reads must exist. */
  datasetFiles(config: RunConfig, owner: number | 'sweep'): ExperimentIssue[] {
    const { dataset } = config;
    if (dataset === undefined) return [];
    const fields = dataset.name === 'csv' ? ['path'] as const : dataset.name === 'idx' ? ['path', 'labelsPath'] as const : [];
    return fields.flatMap((field) => {
      const file = dataset[field];
      if (file === undefined || this.options.exists(file)) return [];
      const issue: Issue = {
        path: `dataset.${field}`, severity: 'error',
        message: `dataset.${field}: file not found: ${file} (relative paths start from the experiment file's folder, ${this.fileDir})`,
      };
      return [this.locate(issue, ['dataset', field], owner, 'files')];
    });
  }

  /**
   * Who trains the runs: the built-in engine (dataset and model required) or the file's command
   * (then the engine's settings would be ignored, so they are errors; its folder must exist).
   */
  trainer(file: ExperimentFile): ExperimentIssue[] {
    const issue = (path: ValuePath, message: string): ExperimentIssue =>
      this.at(path, { path: formatIssuePath(path), severity: 'error', message: `${formatIssuePath(path) || 'the experiment file'}${message.startsWith(':') ? '' : ' '}${message}` }, 'rules');
    if (file.command === undefined) {
      const missing = (['dataset', 'model'] as const).filter((field) => file[field] === undefined);
      const extra = (['cwd', 'params'] as const).filter((field) => file[field] !== undefined);
      return [
        ...(missing.length ? [issue([], `needs ${missing.map((f) => `"${f}"`).join(' and ')} (built-in training) or "command" (your own script)`)] : []),
        ...extra.map((field) => issue([field], 'only applies with "command"')),
      ];
    }
    const unused = 'is not used with "command": your script sets it (pass values in "params")';
    const issues = (['dataset', 'model'] as const).filter((field) => file[field] !== undefined).map((field) => issue([field], unused));
    const { seeds: _seeds, ...training } = file.training ?? {};
    issues.push(...Object.keys(training).map((field) => issue(['training', field], unused)));
    (Array.isArray(file.runs) ? file.runs : []).forEach((entry, i) => {
      if (entry?.overrides !== undefined) issues.push(issue(['runs', i, 'overrides'], 'is not used with "command": give the script what differs in "params"'));
    });
    const cwd = resolveFrom(this.fileDir, file.cwd ?? '.');
    if (file.cwd !== undefined && !this.options.exists(cwd)) {
      issues.push(issue(['cwd'], `: folder not found: ${cwd} (relative paths start from the experiment file's folder, ${this.fileDir})`));
    }
    return issues;
  }

  /** The value against the experiment schema. */
  schema(value: unknown): ExperimentIssue[] {
    return checkSchema(DOCUMENTS, EXPERIMENT_SCHEMA_FILE, value, '', 'the experiment file')
      .map((issue) => this.at(parseIssuePath(issue.path), issue, 'schema'));
  }

  duplicateNames(entries: ExperimentRunValue[]): ExperimentIssue[] {
    const firstIndex = new Map<string, number>();
    const issues: ExperimentIssue[] = [];
    for (const [i, entry] of entries.entries()) {
      if (typeof entry?.name !== 'string') continue;
      const first = firstIndex.get(entry.name);
      if (first === undefined) {
        firstIndex.set(entry.name, i);
        continue;
      }
      const path = `runs[${i}].name`;
      issues.push(this.at(['runs', i, 'name'], {
        path, severity: 'error', message: `${path} "${entry.name}" is already the name of runs[${first}]; run names must be unique in the file`,
      }, 'rules'));
    }
    return issues;
  }

  /** A seed listed twice would train the same run twice under one name. */
  duplicateSeeds(file: ExperimentFile): ExperimentIssue[] {
    const lists: { where: ValuePath; seeds: unknown }[] = [
      { where: ['training', 'seeds'], seeds: file?.training?.seeds },
      ...(Array.isArray(file?.runs) ? file.runs : []).map((entry, i) => ({ where: ['runs', i, 'seeds'], seeds: entry?.seeds })),
    ];
    return lists.flatMap(({ where, seeds }) => (Array.isArray(seeds) ? seeds : []).flatMap((seed: unknown, j, all) => {
      const first = all.indexOf(seed);
      if (first === j) return [];
      const path = formatIssuePath([...where, j]);
      return [this.at([...where, j], { path, severity: 'error', message: `${path} repeats seed ${String(seed)} (already at [${first}]); the seeds must be different` }, 'rules')];
    }));
  }

  /**
   * An issue about a config path of `owner` (an entry's index, or the sweep), moved to the place in
   * the file that sets it: the entry's overrides when they hold the field (or more of its path),
   * else the shared section.
   */
  private locate(issue: Issue, configPath: ValuePath, owner: number | 'sweep', kind: ExperimentIssue['kind']): ExperimentIssue {
    const fallback: ValuePath = owner === 'sweep' ? ['sweep'] : ['runs', owner, 'name'];
    let best = { path: fallback, node: nodeAt(this.root, fallback) ?? nodeAt(this.root, fallback.slice(0, 2))!, score: -1 };
    for (const { prefix, path } of placesOf(configPath, owner)) {
      const { node, depth } = deepestNodeAt(this.root, path);
      const score = depth >= prefix.length ? depth - prefix.length : -1;
      if (score > best.score) best = { path, node, score };
    }
    const filePath = formatIssuePath(best.path);
    const message = issue.message.startsWith(issue.path) ? filePath + issue.message.slice(issue.path.length) : issue.message;
    return { ...issue, path: filePath, message, range: underlineRange(best.node), kind };
  }

  private at(path: ValuePath, issue: Issue, kind: ExperimentIssue['kind']): ExperimentIssue {
    return { ...issue, range: underlineRange(deepestNodeAt(this.root, path).node), kind };
  }
}

/** Issues in text order; an issue of a shared section, found once per entry, is kept once. */
function sortedUnique(issues: ExperimentIssue[]): ExperimentIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((issue) => {
      const key = `${issue.range.offset}:${issue.range.length}:${issue.message}`;
      return !seen.has(key) && seen.add(key);
    })
    .sort((a, b) => a.range.offset - b.range.offset);
}

/** Without the keys whose value is undefined, so that spreading it does not erase defaults. */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
