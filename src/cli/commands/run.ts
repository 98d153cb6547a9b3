import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  experimentRunName, parseExperimentFile, type ExperimentIssue, type ExperimentRunEntry, type ExperimentSweep, type ParsedExperiment,
} from '../../core/experimentFile';
import { nodeAt, parseJsonc, rangeOf, type TextRange } from '../../core/experimentTree';
import type { RunConfig } from '../../core/runConfig';
import { describeSweepSize, planSweep, seedList, SweepError } from '../../core/sweep';
import { datasetFilesOutside, outsideWorkspaceMessage } from '../../store/datasetPaths';
import { UsageError, type FlagSpec } from '../args';
import { GLOBAL_FLAGS, writeJson, writeLine, type Command, type CliContext } from '../context';
import { PYTHON_FLAG } from '../commandRuns';
import { CONCURRENCY_FLAG, SEEDS_FLAG, seedsOfFlag } from '../trainConfig';
import { newSavedSweep, sweepFolderOf } from '../../store/sweepFiles';
import { checkSlurmReachable, EXECUTOR_FLAG, isSlurm, SLURM_FLAGS, slurmOptionsOf, submitToSlurm } from '../slurm';
import { defaultConcurrency, EXIT_USAGE } from '../training';
import { printNextSteps, trainSavingSweep } from './sweep';
import { reportTraining } from './train';
import { errorMessage } from '../../core/errors';

/**
 * `polyloss run FILE.polyloss.json`: trains the runs of an experiment file, the same file the editor
 * runs from its CodeLens, so an experiment can be repeated in CI or on a cluster's job scheduler.
 * A file with errors is refused as a whole, each error shown as FILE:LINE:COLUMN. The runs of its
 * sweep section share a new sweep id, saved like `polyloss sweep` saves one (for --resume and report).
 */

/** The name `--only` knows the sweep section by. */
const SWEEP_PART = 'sweep';

const ONLY_FLAG: FlagSpec = {
  name: 'only', type: 'string', valueName: 'NAME,NAME…',
  description: `train only these runs of the file (their "name"s; "${SWEEP_PART}" for the sweep section)`,
};
const ALLOW_OUTSIDE_FLAG: FlagSpec = {
  name: 'allow-outside-workspace', type: 'boolean',
  description: 'let the file name dataset files outside the current folder (refused by default)',
};

/** 1-based line and column of a text offset, as editors and compilers print them. */
export function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

interface LocatedIssue {
  severity: 'error' | 'warning';
  line: number;
  column: number;
  path: string;
  message: string;
}

function locate(text: string, issue: Pick<ExperimentIssue, 'severity' | 'path' | 'message'> & { range: TextRange }): LocatedIssue {
  return { severity: issue.severity, ...lineColumnOf(text, issue.range.offset), path: issue.path, message: issue.message };
}

/** Entries whose dataset files lie outside the workspace folder, located where the file names them. */
function outsideWorkspaceIssues(text: string, parsed: ParsedExperiment, workspaceDir: string): LocatedIssue[] {
  const { root } = parseJsonc(text);
  const issues: LocatedIssue[] = [];
  const seen = new Set<number>();
  parsed.runs.forEach((entry, i) => {
    const index = entryIndexOf(root, entry, i);
    const { dataset } = entry.configs[0];
    for (const { field, file } of dataset ? datasetFilesOutside(dataset, workspaceDir, workspaceDir) : []) {
      const node = nodeAt(root, ['runs', index, 'overrides', 'dataset', field]) ?? nodeAt(root, ['dataset', field]);
      const range = node ? rangeOf(node) : entry.range;
      if (seen.has(range.offset)) continue; // a shared dataset is reported once
      seen.add(range.offset);
      issues.push(locate(text, { severity: 'error', path: `dataset.${field}`, message: outsideWorkspaceMessage(field, file, workspaceDir), range }));
    }
  });
  return issues;
}

/** The index of an entry in the file's `runs` array (entries with errors are left out of parsed.runs). */
function entryIndexOf(root: ReturnType<typeof parseJsonc>['root'], entry: ExperimentRunEntry, fallback: number): number {
  const runs = nodeAt(root, ['runs'])?.children ?? [];
  const index = runs.findIndex((node) => node.offset === entry.range.offset);
  return index >= 0 ? index : fallback;
}

/** The entries and the sweep that `--only` names (all of them without it). */
function selectParts(parsed: ParsedExperiment, only: string | undefined): { entries: ExperimentRunEntry[]; sweep?: ExperimentSweep } {
  const { runs, sweep } = parsed;
  if (only === undefined) return { entries: runs, sweep };
  const wanted = only.split(',').map((name) => name.trim()).filter(Boolean);
  const known = [...runs.map((r) => r.name), ...(sweep ? [SWEEP_PART] : [])];
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`--only: no run named ${unknown.map((n) => `'${n}'`).join(', ')} in the file; its runs are ${known.map((n) => `'${n}'`).join(', ')}`);
  }
  return { entries: runs.filter((r) => wanted.includes(r.name)), sweep: wanted.includes(SWEEP_PART) ? sweep : undefined };
}

/** An entry's configs, or one per `seeds` when the command line replaces the file's seeds. */
function configsOf(entry: ExperimentRunEntry, seeds: number[] | undefined): RunConfig[] {
  if (!seeds) return entry.configs;
  return [...new Set(seeds)].map((seed) => ({ ...structuredClone(entry.configs[0]), seed, name: experimentRunName(entry.name, seed) }));
}

/** The sweep section, with its seeds replaced when the command line gives seeds. */
function sweepWithSeeds(sweep: ExperimentSweep, seeds: number[] | undefined): ExperimentSweep {
  if (!seeds) return sweep;
  const spec = { ...sweep.spec, seeds: [...new Set(seeds)] };
  try {
    return { ...sweep, ...planSweep(spec, sweep.base, sweep.sweepId), spec };
  } catch (e) {
    if (e instanceof SweepError) throw new UsageError(`--seeds: ${e.issues[0]?.message ?? e.message}`);
    throw e;
  }
}

/** An experiment's name as a file name: letters, digits, '.', '_' and '-'. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '').slice(0, 60) || 'experiment';
}

function readExperimentText(file: string, cwd: string): { full: string; text: string } {
  const full = path.resolve(cwd, file);
  try {
    return { full, text: fs.readFileSync(full, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the experiment file ${file} (${code === 'ENOENT' ? 'not found' : code ?? errorMessage(e)})`);
  }
}

function printIssues(ctx: CliContext, file: string, issues: readonly LocatedIssue[]): void {
  for (const issue of issues) writeLine(ctx.stderr, `${file}:${issue.line}:${issue.column}: ${issue.severity}: ${issue.message}`);
}

export const runCommand: Command = {
  spec: {
    name: 'run',
    summary: 'Train the runs of an experiment file (*.polyloss.json), one run per entry and seed. A file with errors is refused; each error is shown as FILE:LINE:COLUMN.',
    positionals: { name: 'FILE', min: 1, max: 1 },
    flags: [ONLY_FLAG, SEEDS_FLAG, CONCURRENCY_FLAG, ALLOW_OUTSIDE_FLAG, PYTHON_FLAG, EXECUTOR_FLAG, ...SLURM_FLAGS, ...GLOBAL_FLAGS],
    examples: [
      'polyloss run experiments/digits.polyloss.json',
      'polyloss run digits.polyloss.json --only ce,poly1-eps2 --seeds 1,2,3 --concurrency 2',
      'polyloss run examples/pytorch-digits/digits.polyloss.json --python /usr/bin/python3',
      'polyloss run digits.polyloss.json --executor slurm --slurm-partition cpu --slurm-time 20 --wait',
    ],
  },
  async run({ args, ctx, json, runsDir }) {
    const slurmOptions = slurmOptionsOf(args.flags);
    if (isSlurm(args.flags)) checkSlurmReachable();
    const file = args.positionals[0];
    const { full, text } = readExperimentText(file, ctx.cwd);
    const parsed = parseExperimentFile(text, full, { exists: (p) => fs.existsSync(p) });
    const issues = parsed.issues.map((issue) => locate(text, issue));
    if (args.flags['allow-outside-workspace'] !== true) issues.push(...outsideWorkspaceIssues(text, parsed, ctx.cwd));
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    printIssues(ctx, file, issues);
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      const message = `${file} has ${errors.length} error(s); nothing was trained`;
      if (json) writeJson(ctx, { error: message, issues, exitCode: EXIT_USAGE });
      writeLine(ctx.stderr, `polyloss: ${message}`);
      return EXIT_USAGE;
    }
    if (parsed.runs.length === 0 && !parsed.sweep) throw new UsageError(`${file} has no runs to train ("runs" is empty)`);

    const given = args.flags.seeds as number[] | undefined;
    const seeds = given && seedList(seedsOfFlag(given));
    const parts = selectParts(parsed, args.flags.only as string | undefined);
    const entries = parts.entries;
    const sweep = parts.sweep && sweepWithSeeds(parts.sweep, seeds);
    const configs = [...entries.flatMap((entry) => configsOf(entry, seeds)), ...sweep?.configs ?? []];
    const sweepPart = sweep ? ` and sweep ${sweep.sweepId}: ${describeSweepSize(sweep.configs)}` : '';
    writeLine(ctx.stderr, `Experiment ${parsed.experiment}: ${configs.length} run(s) from ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${sweepPart}`);
    for (const note of sweep?.notes ?? []) writeLine(ctx.stderr, `note: ${note}`);
    const confine = args.flags['allow-outside-workspace'] === true ? undefined : ctx.cwd;
    const toSave = sweep && newSavedSweep(sweep.sweepId, sweep.spec, sweep.base);
    if (isSlurm(args.flags)) {
      // The file's runs go in one array; its folder is the sweep's when there is one, else one named after the experiment.
      const name = sweep?.sweepId ?? `${safeName(parsed.experiment)}-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
      const { result } = await submitToSlurm({
        configs, runsDir, ctx, options: slurmOptions, folder: sweepFolderOf(runsDir, name), jobName: `polyloss-${name}`,
        toSave, sweepId: sweep?.sweepId, confineDatasetsTo: confine, wait: args.flags.wait === true, json, python: args.flags.python as string | undefined,
      });
      if (!result) return 0;
      reportTraining(ctx, json, result);
      printNextSteps(ctx, sweep?.sweepId, args.flags, result, json);
      return result.exitCode;
    }
    const concurrency = (args.flags.concurrency as number | undefined) ?? defaultConcurrency(configs.length);
    const python = args.flags.python as string | undefined;
    const result = await trainSavingSweep(configs, toSave, { runsDir, concurrency, ctx, confineDatasetsTo: confine, python });
    reportTraining(ctx, json, result);
    printNextSteps(ctx, sweep?.sweepId, args.flags, result, json);
    return result.exitCode;
  },
};
