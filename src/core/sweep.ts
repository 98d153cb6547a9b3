/**
 * Sweeps: a base config × a grid over ε (optionally γ and label smoothing) × seeds, expanded
 * into validated run configs; plus what a resumed sweep still has to run and how long it takes.
 */
import sweepSchema from '../../media/schemas/sweep.schema.json';
import { groupKey, runKey } from './grouping';
import { checkSchema, type Issue, type Schema } from './jsonSchema';
import { describeLoss, epsilonList, type LossSpec } from './lossSpec';
import type { DatasetSpec, RunConfig } from './runConfig';
import type { RunRecord, RunStatus } from './runFormat';
import { SCHEMA_DOCUMENTS, formatIssues, validateRunConfig, type Validation } from './validate';

export interface SweepSpec {
  /** A list, or a range text "start:stop:step" (stop included). */
  epsilon?: number[] | string;
  gamma?: number[];
  labelSmoothing?: number[];
  /** A list of seeds, or a count n for seeds 1..n. */
  seeds: number[] | number;
  /** Also run the baseline (CE; focal for Poly-1 focal) with every seed. */
  baseline?: boolean;
}

export const SWEEP_SCHEMA_FILE = 'sweep.schema.json';
/** Limits that keep a typo ("0:100:0.001") from queueing thousands of runs. */
export const MAX_RANGE_VALUES = 1000;
export const MAX_SWEEP_RUNS = 1000;

const DOCUMENTS = { ...SCHEMA_DOCUMENTS, [SWEEP_SCHEMA_FILE]: sweepSchema as Schema };

// ── Ranges ──────────────────────────────────────────────────────────────────────────────────────

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * "start:stop:step" → [start, start+step, …, stop]: the stop is included when the steps reach it
 * up to floating-point error ("0:1:0.1" gives 11 values), and values are rounded to 12
 * significant digits so that 0.1·3 is 0.3. Accepts the typographic minus "−".
 */
export function parseRange(text: string, field = 'epsilon'): { ok: true; value: number[] } | { ok: false; message: string } {
  const fail = (why: string): { ok: false; message: string } => ({
    ok: false,
    message: `${field} range must look like start:stop:step with start ≤ stop and step > 0 (got '${text}'${why ? `: ${why}` : ''})`,
  });
  const parts = text.replace(/\u2212/g, '-').split(':').map((part) => part.trim());
  if (parts.length !== 3) return fail(`${parts.length} part${parts.length === 1 ? '' : 's'} instead of 3`);
  const bad = parts.find((part) => !NUMBER.test(part));
  if (bad !== undefined) return fail(bad === '' ? 'an empty part' : `"${bad}" is not a number`);
  const [start, stop, step] = parts.map(Number);
  if (!(step > 0)) return fail('step must be > 0');
  if (stop < start) return fail('stop is below start');
  const count = Math.floor((stop - start) / step + 1e-9) + 1;
  if (count > MAX_RANGE_VALUES) return { ok: false, message: `${field} range '${text}' gives ${count} values; at most ${MAX_RANGE_VALUES} are allowed` };
  return { ok: true, value: Array.from({ length: count }, (_, i) => Number((start + i * step).toPrecision(12))) };
}

/**
 * A grid as typed on the command line or in an input box: a comma-separated list ("-1, 0, 1, 2",
 * brackets allowed) or a range "start:stop:step" (see parseRange). Accepts the typographic minus.
 */
export function parseGrid(text: string, field: string): { ok: true; value: number[] } | { ok: false; message: string } {
  if (text.includes(':')) return parseRange(text, field);
  const parts = text.trim().replace(/^\[(.*)\]$/s, '$1').replace(/\u2212/g, '-').split(',').map((part) => part.trim());
  const bad = parts.find((part) => !NUMBER.test(part));
  if (bad !== undefined) {
    const why = bad !== '' ? `"${bad}" is not a number` : parts.length === 1 ? 'nothing entered' : 'found an empty entry';
    return { ok: false, message: `${field} must be a comma-separated list of numbers or a range start:stop:step (got '${text.trim()}': ${why})` };
  }
  if (parts.length > MAX_RANGE_VALUES) return { ok: false, message: `${field} lists ${parts.length} values; at most ${MAX_RANGE_VALUES} are allowed` };
  return { ok: true, value: parts.map(Number) };
}

// ── Validation ──────────────────────────────────────────────────────────────────────────────────

/** Checks a sweep object (JSON schema, then ranges and repeated values); paths start with `basePath`. */
export function validateSweepSpec(value: unknown, basePath = 'sweep'): Validation<SweepSpec> {
  const schemaIssues = checkSchema(DOCUMENTS, SWEEP_SCHEMA_FILE, value, basePath);
  if (schemaIssues.length > 0) return { ok: false, errors: schemaIssues, warnings: [] };
  const spec = value as SweepSpec;
  const errors: Issue[] = [];
  if (typeof spec.epsilon === 'string') {
    const range = parseRange(spec.epsilon, `${basePath}.epsilon`);
    if (!range.ok) errors.push({ path: `${basePath}.epsilon`, message: range.message, severity: 'error' });
  }
  const lists: [string, unknown][] = [['epsilon', spec.epsilon], ['gamma', spec.gamma], ['labelSmoothing', spec.labelSmoothing], ['seeds', spec.seeds]];
  for (const [field, list] of lists) {
    if (!Array.isArray(list)) continue;
    const repeated = list.find((v, i) => list.indexOf(v) !== i);
    if (repeated === undefined) continue;
    const path = `${basePath}.${field}`;
    errors.push({ path, message: `${path} lists ${repeated} more than once`, severity: 'error' });
  }
  return errors.length > 0 ? { ok: false, errors, warnings: [] } : { ok: true, value: spec, warnings: [] };
}

export class SweepError extends Error {
  constructor(readonly issues: Issue[]) {
    super(formatIssues(issues));
    this.name = 'SweepError';
  }
}

// ── Expansion ───────────────────────────────────────────────────────────────────────────────────

export interface SweepPlan {
  sweepId: string;
  configs: RunConfig[];
  /** Things worth knowing that are not problems, e.g. that ε = 0 is CE. */
  notes: string[];
  /** Validation warnings of the generated configs, each once (e.g. ε < −1 is not monotone). */
  warnings: Issue[];
}

export function seedList(seeds: SweepSpec['seeds']): number[] {
  return Array.isArray(seeds) ? [...seeds] : Array.from({ length: seeds }, (_, i) => i + 1);
}

export function epsilonValues(epsilon: SweepSpec['epsilon']): number[] | undefined {
  if (epsilon === undefined || Array.isArray(epsilon)) return epsilon;
  const range = parseRange(epsilon, 'sweep.epsilon');
  if (!range.ok) throw new SweepError([{ path: 'sweep.epsilon', message: range.message, severity: 'error' }]);
  return range.value;
}

interface GridPoint {
  epsilon?: number;
  gamma?: number;
  labelSmoothing?: number;
}

/**
 * The base loss moved to a grid point: sweeping ε makes CE Poly-1 and focal Poly-1 focal
 * (a Poly-N base gets its ε1 replaced); sweeping γ makes CE focal and Poly-1 Poly-1 focal.
 */
function lossAt(base: LossSpec, point: GridPoint): LossSpec {
  const loss: LossSpec = { ...base };
  if (point.epsilon !== undefined) {
    if (loss.type === 'ce') loss.type = 'poly';
    if (loss.type === 'focal') loss.type = 'poly-focal';
    loss.epsilon = Array.isArray(base.epsilon) && base.type !== 'ce' && base.type !== 'focal'
      ? [point.epsilon, ...base.epsilon.slice(1)]
      : point.epsilon;
  }
  if (point.gamma !== undefined) {
    if (loss.type === 'ce') loss.type = 'focal';
    if (loss.type === 'poly') loss.type = 'poly-focal';
    loss.gamma = point.gamma;
  }
  if (point.labelSmoothing !== undefined) loss.labelSmoothing = point.labelSmoothing;
  return loss;
}

/** The loss without its polynomial term: CE for Poly, focal for Poly focal. */
function baselineLoss(loss: LossSpec): LossSpec {
  const { epsilon: _epsilon, ...rest } = loss;
  if (loss.type === 'poly') return { ...rest, type: 'ce' };
  if (loss.type === 'poly-focal') return { ...rest, type: 'focal' };
  return loss;
}

/** `undefined` entries stand for "not swept". */
function axis(values: readonly number[] | undefined): (number | undefined)[] {
  return values ? [...values] : [undefined];
}

/**
 * Every run of the sweep, validated. Seeds are the outer loop, so a sweep stopped halfway has
 * every ε at its first seeds rather than the first ε at every seed. Throws SweepError (naming the
 * field) when the spec or a generated config is invalid.
 */
export function planSweep(spec: SweepSpec, base: RunConfig, sweepId: string): SweepPlan {
  const checked = validateSweepSpec(spec);
  if (!checked.ok) throw new SweepError(checked.errors);
  const epsilons = epsilonValues(spec.epsilon);
  const seeds = seedList(spec.seeds);

  const points: { point: GridPoint; baseline: boolean }[] = [];
  for (const gamma of axis(spec.gamma)) {
    for (const labelSmoothing of axis(spec.labelSmoothing)) {
      if (spec.baseline) points.push({ point: { gamma, labelSmoothing }, baseline: true });
      for (const epsilon of axis(epsilons)) points.push({ point: { epsilon, gamma, labelSmoothing }, baseline: false });
    }
  }
  const runCount = points.length * seeds.length;
  if (runCount > MAX_SWEEP_RUNS) {
    throw new SweepError([{ path: 'sweep', message: `sweep would create ${runCount} runs; at most ${MAX_SWEEP_RUNS} are allowed`, severity: 'error' }]);
  }

  const configs: RunConfig[] = [];
  const seen = new Set<string>();
  const warnings = new Map<string, Issue>();
  for (const seed of seeds) {
    for (const { point, baseline } of points) {
      const swept = lossAt(base.loss, point);
      const loss = baseline ? baselineLoss(swept) : swept;
      const config: RunConfig = { ...structuredClone(base), loss, seed, sweepId, name: `${describeLoss(loss)} · seed ${seed}` };
      const key = runKey(config);
      if (seen.has(key)) continue; // e.g. the baseline of a sweep that sweeps no ε
      seen.add(key);
      const result = validateRunConfig(config);
      if (!result.ok) throw new SweepError(result.errors.map((issue) => ({ ...issue, message: `${config.name}: ${issue.message}` })));
      for (const warning of result.warnings) warnings.set(warning.message, warning);
      configs.push(config);
    }
  }
  return { sweepId, configs, notes: sweepNotes(configs), warnings: [...warnings.values()] };
}

export function expandSweep(spec: SweepSpec, base: RunConfig, sweepId: string): RunConfig[] {
  return planSweep(spec, base, sweepId).configs;
}

function sweepNotes(configs: readonly RunConfig[]): string[] {
  const neutral = configs.find((c) => (c.loss.type === 'poly' || c.loss.type === 'poly-focal') && epsilonList(c.loss).every((e) => e === 0));
  if (!neutral) return [];
  const same = neutral.loss.type === 'poly' ? 'CE' : 'focal';
  const baselineType = neutral.loss.type === 'poly' ? 'ce' : 'focal';
  if (configs.some((c) => c.loss.type === baselineType)) {
    return [`${describeLoss(neutral.loss)} is exactly ${same}: its runs repeat the ${same} baseline runs (leave ε=0 out to save them)`];
  }
  return [`${describeLoss(neutral.loss)} is exactly ${same}: those runs stay ${neutral.loss.type} with ε=0 and stand in for ${same} when no ${same} runs exist`];
}

// ── Ids, resume, estimates ──────────────────────────────────────────────────────────────────────

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** e.g. "sweep-20261128-105300-3f9a1c": UTC time (ids sort by creation) and a random suffix. */
export function generateSweepId(now: Date = new Date()): string {
  const time = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-`
    + `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  const suffix = [...globalThis.crypto.getRandomValues(new Uint8Array(4))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `sweep-${time}-${suffix}`;
}

export const SWEEP_ID_PATTERN = /^sweep-\d{8}-\d{6}-[0-9a-f]{8}$/;

/**
 * The configs of a sweep that still need a run: those with no run of the same settings and seed
 * (by canonical key, so a matching run from elsewhere counts too) in one of `doneStatuses`.
 */
/**
 * Runs a resumed sweep does not train again: finished ones (a diverged run is a result: the same seed
 * diverges again), and ones still going in another process. Cancelled, failed and interrupted runs are redone.
 */
export const RESUME_DONE_STATUSES: readonly RunStatus[] = ['completed', 'diverged', 'queued', 'running'];

/** Above this many runs a sweep asks before it starts (the CLI on its terminal, VS Code in a dialog). */
export const SWEEP_CONFIRM_ABOVE = 20;

/** The plan of a saved sweep and the configs it still lacks among `runs` (runs of other sweeps are ignored). */
export function resumeSweep(
  spec: SweepSpec, base: RunConfig, sweepId: string, runs: readonly Pick<RunRecord, 'config' | 'status'>[],
): { plan: SweepPlan; todo: RunConfig[] } {
  const plan = planSweep(spec, base, sweepId);
  const existing = runs.filter((run) => run.config.sweepId === sweepId);
  return { plan, todo: missingRuns(plan.configs, existing, RESUME_DONE_STATUSES) };
}

/** "12 runs (4 settings × 3 seeds)" */
export function describeSweepSize(configs: readonly RunConfig[]): string {
  const settings = new Set(configs.map(groupKey)).size;
  const seeds = new Set(configs.map((c) => c.seed)).size;
  return `${configs.length} run${configs.length === 1 ? '' : 's'} (${settings} setting${settings === 1 ? '' : 's'} × ${seeds} seed${seeds === 1 ? '' : 's'})`;
}

export function missingRuns(
  expanded: readonly RunConfig[], existing: readonly Pick<RunRecord, 'config' | 'status'>[], doneStatuses: readonly RunStatus[] = ['completed'],
): RunConfig[] {
  const done = new Set(existing.filter((run) => doneStatuses.includes(run.status)).map((run) => runKey(run.config)));
  return expanded.filter((config) => !done.has(runKey(config)));
}

/** The key under which estimateSweepSeconds looks up a dataset's training-split size. */
export function datasetKey(dataset: DatasetSpec): string {
  return dataset.path ?? dataset.name;
}

/**
 * Rough training time of `configs` in seconds: epochs × training examples / throughput.
 * `trainSizes` holds training-split sizes by datasetKey (e.g. `data.train` of an earlier run);
 * undefined when a size is missing or the throughput is not positive.
 */
export function estimateSweepSeconds(
  configs: readonly RunConfig[], measuredSamplesPerSec: number, trainSizes: Readonly<Record<string, number>>,
): number | undefined {
  if (!(measuredSamplesPerSec > 0)) return undefined;
  let samples = 0;
  for (const config of configs) {
    if (config.command !== undefined) return undefined; // a script's cost is unknown
    const size = trainSizes[datasetKey(config.dataset)];
    if (size === undefined) return undefined;
    samples += config.epochs * size;
  }
  return samples / measuredSamplesPerSec;
}
