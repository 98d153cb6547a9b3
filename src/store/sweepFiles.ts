import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../core/runConfig';
import type { SlurmOptions } from '../core/slurmOptions';
import { validateSweepSpec, type SweepSpec } from '../core/sweep';
import { checkSavedTune, type SavedTune } from '../core/tune/saved';
import { formatIssues, validateRunConfig } from '../core/validate';
import { writeFileAtomic } from './runFiles';
import { describeFsError, ensureRunsDir, RunStoreError } from './runStore';
import { errorMessage } from '../core/errors';

/**
 * Saved sweeps: `<runs dir>/.sweeps/<sweep id>.json`, inside the runs folder the user chose (a
 * hidden folder, so run listings stay runs only), where writing is already known to work. Older
 * versions kept them next to the runs folder, in `<runs dir>/../sweeps/`: those are still read,
 * listed and removed there. The CLI and VS Code save and resume sweeps through this module.
 */

export interface SavedSweep {
  schemaVersion: 1;
  sweepId: string;
  createdAt: string;
  spec: SweepSpec;
  /** The validated base config the grid is applied to. */
  base: RunConfig;
  /** Set for a sweep made by `polyloss tune` (Find Best ε): its search options and rounds. */
  tune?: SavedTune;
  /** Set when the sweep was submitted to Slurm: each job array, oldest first (a resume adds one). */
  slurm?: { submissions: SlurmSubmissionRecord[] };
}

export interface SlurmSubmissionRecord {
  jobId: string;
  /** The sbatch script, kept in the sweep's folder. */
  script: string;
  /** e.g. "0-5%2" */
  array: string;
  runIds: string[];
  submittedAt: string;
  options: SlurmOptions;
}

/** A saved sweep that cannot be read; the message names the file and what is wrong. */
export class SweepFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepFileError';
  }
}

const SAFE_SWEEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function sweepsDirOf(runsDir: string): string {
  return path.join(runsDir, '.sweeps');
}

/** Where versions before 0.3 saved sweeps: next to the runs folder. */
export function legacySweepsDirOf(runsDir: string): string {
  return path.join(path.dirname(runsDir), 'sweeps');
}

/** The sweep's file: where it is saved, or where it would be saved (an old sweep stays in the old place). */
export function sweepFilePath(runsDir: string, sweepId: string): string {
  const file = path.join(sweepsDirOf(runsDir), `${sweepId}.json`);
  const legacy = path.join(legacySweepsDirOf(runsDir), `${sweepId}.json`);
  return !fs.existsSync(file) && fs.existsSync(legacy) ? legacy : file;
}

export function newSavedSweep(sweepId: string, spec: SweepSpec, base: RunConfig, now = new Date()): SavedSweep {
  return { schemaVersion: 1, sweepId, createdAt: now.toISOString(), spec, base };
}

/** Writes the sweep's file (atomically) and returns its path. */
/**
 * Writes the sweep's file (atomically) and returns its path. A runs folder that cannot be written
 * fails with RunStoreError('unwritable'), naming the folder and why.
 */
export function saveSweep(runsDir: string, saved: SavedSweep): string {
  ensureRunsDir(runsDir);
  const dir = sweepsDirOf(runsDir);
  const file = path.join(dir, `${saved.sweepId}.json`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(file, JSON.stringify(saved, null, 2) + '\n');
  } catch (e) {
    throw new RunStoreError('unwritable', `cannot save the sweep in ${dir}: ${describeFsError(e, dir)}`);
  }
  return file;
}

/** Removes a saved sweep (e.g. one whose runs could not be created); no error when it is gone. */
export function removeSavedSweep(runsDir: string, sweepId: string): void {
  for (const dir of [sweepsDirOf(runsDir), legacySweepsDirOf(runsDir)]) fs.rmSync(path.join(dir, `${sweepId}.json`), { force: true });
}

/** Ids of the saved sweeps, here and in the old place, oldest first (ids sort by creation time). */
export function listSavedSweeps(runsDir: string): string[] {
  const ids = [sweepsDirOf(runsDir), legacySweepsDirOf(runsDir)].flatMap((dir) => {
    try {
      return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    } catch {
      return [];
    }
  });
  return [...new Set(ids)].sort();
}

/** Reads and validates a saved sweep; throws SweepFileError saying which file and what is wrong. */
export function loadSweep(runsDir: string, sweepId: string): SavedSweep {
  if (!SAFE_SWEEP_ID.test(sweepId)) throw new SweepFileError(`'${sweepId}' is not a sweep id (letters, digits, '.', '_' and '-')`);
  const file = sweepFilePath(runsDir, sweepId);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SweepFileError(`cannot read ${file} (${errorMessage(e)})`);
    const recent = listSavedSweeps(runsDir).slice(-5);
    throw new SweepFileError(`no saved sweep '${sweepId}' (looked for ${file})${recent.length ? `; recent sweeps: ${recent.join(', ')}` : ''}`);
  }
  let saved: Partial<SavedSweep>;
  try {
    saved = JSON.parse(text) as Partial<SavedSweep>;
  } catch (e) {
    throw new SweepFileError(`${file} is not valid JSON (${errorMessage(e)})`);
  }
  const spec = validateSweepSpec(saved.spec);
  if (!spec.ok) throw new SweepFileError(`${file} has no valid sweep spec:\n${formatIssues(spec.errors)}`);
  const base = validateRunConfig(saved.base);
  if (!base.ok) throw new SweepFileError(`${file} has no valid base config:\n${formatIssues(base.errors)}`);
  const loaded: SavedSweep = { schemaVersion: 1, sweepId, createdAt: String(saved.createdAt ?? ''), spec: spec.value, base: base.value };
  if (Array.isArray(saved.slurm?.submissions)) loaded.slurm = { submissions: saved.slurm.submissions };
  if (saved.tune === undefined) return loaded;
  const tune = checkSavedTune(saved.tune);
  if (!tune.ok) throw new SweepFileError(`${file} is a tune, but ${tune.message}`);
  return { ...loaded, tune: tune.value };
}

/** The tune record of a saved sweep; null when the sweep is no tune or its file is missing or unusable. */
export function savedTuneOf(runsDir: string, sweepId: string): SavedTune | null {
  try {
    return loadSweep(runsDir, sweepId).tune ?? null;
  } catch (e) {
    if (e instanceof SweepFileError) return null;
    throw e;
  }
}

/** The folder of a sweep's own files (the sbatch scripts and the Slurm output of its tasks). */
export function sweepFolderOf(runsDir: string, sweepId: string): string {
  return path.join(path.dirname(sweepFilePath(runsDir, sweepId)), sweepId);
}

/** Adds a Slurm job array to the sweep's saved settings (its job id, script and runs). */
export function recordSlurmSubmission(runsDir: string, sweepId: string, submission: SlurmSubmissionRecord): void {
  const saved = loadSweep(runsDir, sweepId);
  saveSweep(runsDir, { ...saved, slurm: { submissions: [...saved.slurm?.submissions ?? [], submission] } });
}
