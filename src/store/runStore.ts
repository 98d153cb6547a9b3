import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scriptNameOf } from '../core/commandRun';
import { describeLoss } from '../core/lossSpec';
import type { RunConfig } from '../core/runConfig';
import { runRecordProblems } from '../core/runRecordCheck';
import { RUN_SCHEMA_VERSION, TERMINAL_STATUSES, type RunRecord, type RunStatus } from '../core/runFormat';
import { generateRunId } from './runIds';
import { lastSignOfLife, RUN_FILE, USER_FILE, withLoggedSummary, writeFileAtomic, writeRunRecord } from './runFiles';
import { errorMessage } from '../core/errors';

export type RunStoreErrorCode = 'not-found' | 'ambiguous' | 'broken' | 'exists' | 'active' | 'invalid' | 'unwritable' | 'unreadable';

/** Failures a user can cause (unknown id, ambiguous prefix, broken folder…), with a message that says which. */
export class RunStoreError extends Error {
  constructor(readonly code: RunStoreErrorCode, message: string) {
    super(message);
    this.name = 'RunStoreError';
  }
}

export interface BrokenRun {
  runId: string;
  dir: string;
  reason: string;
}

export interface RunList {
  /** Readable runs, oldest first. */
  runs: RunRecord[];
  /** Folders that look like runs but cannot be read, each with the reason. */
  broken: BrokenRun[];
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function runDirOf(runsDir: string, runId: string): string {
  return path.join(runsDir, runId);
}

/** "Poly-1 ε=2, seed 1"; a script's run starts with the script: "train.py · Poly-1 ε=2, seed 1". */
export function defaultRunName(config: RunConfig): string {
  // A run of the user's own command may carry no loss: its script names it.
  const script = config.command !== undefined ? scriptNameOf(config.command) : undefined;
  const loss = config.loss ? describeLoss(config.loss) : undefined;
  const what = [script, loss].filter(Boolean).join(' · ') || 'run';
  return config.seed === undefined ? what : `${what}, seed ${config.seed}`;
}

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Checks the parsed run.json; the folder name is the run's identity, so `id` is taken from it. */
export function parseRunRecord(text: string, runId: string): { ok: true; record: RunRecord } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `run.json is not valid JSON (${errorMessage(e)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'run.json is not a JSON object' };
  const r = value as Partial<RunRecord>;
  if (typeof r.schemaVersion === 'number' && r.schemaVersion > RUN_SCHEMA_VERSION) {
    return { ok: false, reason: `run.json has schemaVersion ${r.schemaVersion}, newer than this version of PolyLoss Lab reads (${RUN_SCHEMA_VERSION}); update PolyLoss Lab to open it` };
  }
  const problems = runRecordProblems(value);
  if (problems.length > 0) return { ok: false, reason: `run.json is not a valid run record: ${problems.join('; ')}` };
  const config = r.config as RunConfig;
  if (config.command === undefined && (typeof config.dataset !== 'object' || config.dataset === null)) {
    return { ok: false, reason: 'run.json has no valid config (needs config.dataset, or config.command with its argv)' };
  }
  const name = typeof r.name === 'string' && r.name.trim() ? r.name : defaultRunName(config);
  return { ok: true, record: { ...(r as RunRecord), id: runId, name } };
}

/** Reads one run folder; throws RunStoreError('broken') with the reason when it cannot be read. */
export function readRunDir(runDir: string): RunRecord {
  const runId = path.basename(runDir);
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, RUN_FILE), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RunStoreError('broken', code === 'ENOENT' ? 'run.json is missing' : `run.json cannot be read (${code ?? errorMessage(e)})`);
  }
  const parsed = parseRunRecord(text, runId);
  if (!parsed.ok) throw new RunStoreError('broken', parsed.reason);
  const name = readUserName(runDir);
  return name === undefined ? parsed.record : { ...parsed.record, name, renamed: true };
}

/**
 * The name the user gave the run, kept in its own file: the worker rewrites run.json while it
 * trains, so a name stored there could be overwritten by a write based on an older copy. A missing
 * or unreadable user.json just means the name in run.json stands.
 */
function readUserName(runDir: string): string | undefined {
  const file = path.join(runDir, USER_FILE);
  // Most runs were never renamed: asking first is cheaper than catching ENOENT (listing 1,000 runs).
  if (!fs.existsSync(file)) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as { name?: unknown };
    return typeof value?.name === 'string' && value.name.trim() ? value.name : undefined;
  } catch {
    return undefined;
  }
}

/** Why a file-system call on `target` failed, in words (the code in parentheses for searching). */
export function describeFsError(e: unknown, target: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTDIR': return `${target} or a folder on its path is a file, not a folder (ENOTDIR)`;
    case 'EEXIST': return `${target} exists and is not a folder (EEXIST)`;
    case 'EACCES':
    case 'EPERM': return `permission denied (${code})`;
    case 'EROFS': return `the file system is read-only (EROFS)`;
    case 'ENOSPC': return `the disk is full (ENOSPC)`;
    case 'EDQUOT': return `the disk quota is exhausted (EDQUOT)`;
    case 'ENOENT': return `folders cannot be created there (ENOENT)`;
    default: return code ? `${errorMessage(e)}` : String(e);
  }
}

/**
 * Creates a folder and its missing parents; throws the file system's error. Not
 * `mkdirSync(…, { recursive: true })`: on a file system that answers ENOENT to every mkdir (e.g.
 * under /proc) Node's recursive mkdir loops forever.
 */
export function makeFolder(folder: string): void {
  const makeOne = (dir: string): void => {
    try {
      fs.mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A file of that name: said as ENOTDIR, since `folder` is at or below it.
      if (!isDirectory(dir)) throw Object.assign(new Error(`${dir} is a file, not a folder`), { code: 'ENOTDIR' });
    }
  };
  const make = (dir: string): void => {
    try {
      makeOne(dir);
    } catch (e) {
      const parent = path.dirname(dir);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) throw e;
      make(parent);
      makeOne(dir);
    }
  };
  make(path.resolve(folder));
}

/** Creates the runs folder and its missing parents, or fails with RunStoreError('unwritable') saying why. */
export function ensureRunsDir(runsDir: string): void {
  try {
    makeFolder(runsDir);
  } catch (e) {
    throw new RunStoreError('unwritable', `cannot create the runs folder ${runsDir}: ${describeFsError(e, runsDir)}`);
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Whether an entry of the runs folder may be a run: hidden ones are not (a run being created,
 * `.creating-*`, or deleted, `.deleting-*`, and anything else a tool hides there).
 */
export function isRunFolderName(name: string): boolean {
  return !name.startsWith('.');
}

/** Names of the run folders (hidden entries and stray files are ignored); none when the folder does not exist yet. */
function runFolderNames(runsDir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(runsDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RunStoreError('unreadable', `cannot read the runs folder ${runsDir}: ${describeFsError(e, runsDir)}`);
  }
  return entries.filter((e) => e.isDirectory() && isRunFolderName(e.name)).map((e) => e.name).sort();
}

/**
 * One run folder as listRuns sees it: its record, or why it cannot be read; undefined when the
 * folder is gone (deleted since it was listed or announced).
 */
export function readRunFolder(runsDir: string, runId: string): { record: RunRecord } | { broken: BrokenRun } | undefined {
  const dir = runDirOf(runsDir, runId);
  try {
    return { record: readRunDir(dir) };
  } catch (e) {
    if (!isDirectory(dir)) return undefined;
    return { broken: { runId, dir, reason: e instanceof RunStoreError ? e.message : String(e) } };
  }
}

export function listRuns(runsDir: string): RunList {
  const runs: RunRecord[] = [];
  const broken: BrokenRun[] = [];
  for (const name of runFolderNames(runsDir)) {
    const read = readRunFolder(runsDir, name);
    if (read && 'record' in read) runs.push(read.record);
    else if (read) broken.push(read.broken);
  }
  runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  return { runs, broken };
}

/**
 * The full id of the run that `ref` names: the id itself, or a prefix or suffix (e.g. the random
 * tail "3f9a") that matches exactly one run folder.
 */
export function resolveRunId(runsDir: string, ref: string): string {
  const names = runFolderNames(runsDir);
  if (names.includes(ref)) return ref;
  let matches = ref ? names.filter((n) => n.startsWith(ref)) : [];
  if (matches.length === 0 && ref) matches = names.filter((n) => n.endsWith(ref));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new RunStoreError('not-found', `no run matches '${ref}' in ${runsDir}`);
  const shown = matches.slice(0, 5).join(', ') + (matches.length > 5 ? `, … (${matches.length} in all)` : '');
  throw new RunStoreError('ambiguous', `'${ref}' matches several runs: ${shown}; give more of the id`);
}

/** Reads the run that `ref` names (full id, unique prefix or unique suffix). */
export function readRun(runsDir: string, ref: string): RunRecord {
  const runId = resolveRunId(runsDir, ref);
  try {
    return readRunDir(runDirOf(runsDir, runId));
  } catch (e) {
    if (e instanceof RunStoreError) throw new RunStoreError(e.code, `run ${runId} cannot be read: ${e.message}`);
    throw e;
  }
}

export interface CreateRunOptions {
  /** Use this id instead of generating one; fails with RunStoreError('exists') if the folder exists. */
  runId?: string;
  now?: Date;
}

export interface CreatedRun {
  runId: string;
  runDir: string;
  record: RunRecord;
}

/** A rename onto these means the run folder is taken (a run folder is never empty), or is a file. */
const TAKEN_CODES = ['ENOTEMPTY', 'EEXIST', 'ENOTDIR'];

/**
 * Creates the run folder with its `queued` run.json, owned by this process until a worker takes over.
 * The folder is prepared under a hidden name and renamed into place, so a reader listing the runs
 * folder never sees a run without its run.json; the rename fails onto an existing run (whose folder
 * is never empty), so two runs are never merged: a generated id is then drawn again. A runs folder
 * that cannot be written fails with RunStoreError('unwritable') and leaves nothing behind.
 */
export function createRun(runsDir: string, config: RunConfig, opts: CreateRunOptions = {}): CreatedRun {
  const now = opts.now ?? new Date();
  if (opts.runId !== undefined && !SAFE_ID.test(opts.runId)) {
    throw new RunStoreError('invalid', `run id '${opts.runId}' may contain only letters, digits, '.', '_' and '-'`);
  }
  ensureRunsDir(runsDir);
  let staging: string | undefined;
  try {
    const folder = fs.mkdtempSync(path.join(runsDir, '.creating-'));
    staging = folder;
    for (let attempt = 0; ; attempt++) {
      const runId = opts.runId ?? generateRunId(config, now);
      const record: RunRecord = {
        schemaVersion: RUN_SCHEMA_VERSION,
        id: runId,
        name: config.name ?? defaultRunName(config),
        config,
        status: 'queued',
        createdAt: now.toISOString(),
        launcherPid: process.pid,
        launcherHost: os.hostname(),
      };
      writeRunRecord(folder, record);
      const runDir = runDirOf(runsDir, runId);
      try {
        fs.renameSync(folder, runDir);
        staging = undefined;
        return { runId, runDir, record };
      } catch (e) {
        if (!TAKEN_CODES.includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        if (opts.runId !== undefined) throw new RunStoreError('exists', `run ${opts.runId} already exists in ${runsDir}`);
        if (attempt >= 20) throw e;
      }
    }
  } catch (e) {
    if (e instanceof RunStoreError) throw e;
    throw new RunStoreError('unwritable', `cannot create a run folder in ${runsDir}: ${describeFsError(e, runsDir)}`);
  } finally {
    if (staging !== undefined) fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Whether a process with this pid exists on this machine (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The processes that may still finish this run: the worker (as it wrote itself, or as its launcher recorded it) and the launcher. */
function ownerPids(record: RunRecord): number[] {
  const pids = [record.environment?.pid, record.workerPid, record.launcherPid].filter((p): p is number => typeof p === 'number' && p > 0);
  return [...new Set(pids)];
}

function isActiveHere(record: RunRecord, isAlive: (pid: number) => boolean, host: string): boolean | undefined {
  if (isTerminal(record.status)) return false;
  // A Slurm task's owner is the cluster: runner/slurm asks Slurm instead of checking pids.
  if (record.slurm !== undefined) return undefined;
  if (record.launcherHost !== undefined && record.launcherHost !== host) return undefined;
  const pids = ownerPids(record);
  if (pids.length === 0) return undefined;
  return pids.some(isAlive);
}

export interface ReconcileOptions {
  /** The folder's runs as already listed (the extension's model); each candidate is re-read anyway. */
  runs?: readonly RunRecord[];
  isAlive?: (pid: number) => boolean;
  hostname?: string;
  now?: Date;
}

/**
 * Marks `interrupted` the runs left `queued` or `running` whose owner processes (the worker's
 * `environment.pid` and the `launcherPid`) are all gone. Left alone: runs launched on another
 * machine (their pids mean nothing here) and records that carry no pid at all (nothing proves their
 * owner is gone). A recycled pid keeps a dead run looking alive; that errs on the safe side.
 * Returns the records it changed.
 */
export function reconcileInterrupted(runsDir: string, opts: ReconcileOptions = {}): RunRecord[] {
  const isAlive = opts.isAlive ?? isProcessAlive;
  const host = opts.hostname ?? os.hostname();
  const changed: RunRecord[] = [];
  for (const listed of opts.runs ?? listRuns(runsDir).runs) {
    if (isActiveHere(listed, isAlive, host) !== false || isTerminal(listed.status)) continue;
    const runDir = runDirOf(runsDir, listed.id);
    // Re-read just before writing: the owner may have recorded the end in the meantime.
    const fresh = readRunDir(runDir);
    if (isActiveHere(fresh, isAlive, host) !== false || isTerminal(fresh.status)) continue;
    const pids = ownerPids(fresh).join(', ');
    const updated = withLoggedSummary(runDir, {
      ...fresh,
      status: 'interrupted',
      endedAt: lastSignOfLife(runDir, opts.now ?? new Date()).toISOString(),
      error: fresh.error ?? `the process that ${fresh.status === 'queued' ? 'queued' : 'ran'} this run (pid ${pids}) ended without recording a result`,
    });
    writeRunRecord(runDir, updated);
    changed.push(updated);
  }
  return changed;
}

export interface DeleteRunOptions {
  /** Delete even when the run still looks active. */
  force?: boolean;
  isAlive?: (pid: number) => boolean;
}

/** Deletes a run folder (by id, prefix or suffix); refuses a run whose worker or launcher is alive. Returns the id. */
export function deleteRun(runsDir: string, ref: string, opts: DeleteRunOptions = {}): string {
  const runId = resolveRunId(runsDir, ref);
  const runDir = runDirOf(runsDir, runId);
  if (!opts.force) {
    let record: RunRecord | undefined;
    try {
      record = readRunDir(runDir);
    } catch {
      record = undefined; // a broken folder can always be deleted
    }
    if (record && isActiveHere(record, opts.isAlive ?? isProcessAlive, os.hostname()) !== false) {
      throw new RunStoreError('active', `run ${runId} is ${record.status}; stop it first (or force the deletion)`);
    }
  }
  // Moved out of sight first, so that a reader never lists a half-deleted run as broken.
  const doomed = path.join(runsDir, `.deleting-${runId}-${process.pid}-${Date.now()}`);
  let target = runDir;
  try {
    fs.renameSync(runDir, doomed);
    target = doomed;
  } catch {
    // e.g. already gone: remove whatever is left under the old name
  }
  fs.rmSync(target, { recursive: true, force: true });
  return runId;
}

/**
 * Changes the display name. It goes to user.json, which only renames write, so a worker that is
 * training the run and rewriting run.json cannot overwrite it. Returns the updated record.
 */
export function renameRun(runsDir: string, ref: string, name: string): RunRecord {
  const trimmed = name.trim();
  if (!trimmed) throw new RunStoreError('invalid', 'name must not be empty');
  const runId = resolveRunId(runsDir, ref);
  const runDir = runDirOf(runsDir, runId);
  const record = readRunDir(runDir);
  writeFileAtomic(path.join(runDir, USER_FILE), JSON.stringify({ name: trimmed }, null, 2) + '\n');
  return { ...record, name: trimmed };
}
