import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../core/runConfig';
import { validateSweepSpec, type SweepSpec } from '../core/sweep';
import { checkSavedTune, type SavedTune } from '../core/tune/saved';
import { formatIssues, validateRunConfig } from '../core/validate';
import { writeFileAtomic } from './runFiles';
import { errorMessage } from '../core/errors';

/**
 * Saved sweeps: `<runs dir>/../sweeps/<sweep id>.json` (for the default runs folder
 * `.polyloss/sweeps/`), next to the runs folder rather than in it, so run listings stay runs only.
 * The CLI and VS Code save and resume sweeps through this module.
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
  return path.join(path.dirname(runsDir), 'sweeps');
}

export function sweepFilePath(runsDir: string, sweepId: string): string {
  return path.join(sweepsDirOf(runsDir), `${sweepId}.json`);
}

export function newSavedSweep(sweepId: string, spec: SweepSpec, base: RunConfig, now = new Date()): SavedSweep {
  return { schemaVersion: 1, sweepId, createdAt: now.toISOString(), spec, base };
}

/** Writes the sweep's file (atomically) and returns its path. */
export function saveSweep(runsDir: string, saved: SavedSweep): string {
  const file = sweepFilePath(runsDir, saved.sweepId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(saved, null, 2) + '\n');
  return file;
}

/** Removes a saved sweep (e.g. one whose runs could not be created); no error when it is gone. */
export function removeSavedSweep(runsDir: string, sweepId: string): void {
  fs.rmSync(sweepFilePath(runsDir, sweepId), { force: true });
}

/** Ids of the saved sweeps, oldest first (ids sort by creation time); none when the folder is missing. */
export function listSavedSweeps(runsDir: string): string[] {
  try {
    return fs.readdirSync(sweepsDirOf(runsDir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
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
  if (saved.tune === undefined) return loaded;
  const tune = checkSavedTune(saved.tune);
  if (!tune.ok) throw new SweepFileError(`${file} is a tune, but ${tune.message}`);
  return { ...loaded, tune: tune.value };
}
