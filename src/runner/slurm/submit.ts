/**
 * Submits runs to Slurm as one job array. The run folders are created first (queued, as on this
 * machine), the sbatch script is written into the submission's folder, and the array is submitted
 * held, so that its job id is in every run.json before the first task can read it; then released.
 * If Slurm refuses the job, the run folders and the script are removed again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunConfig } from '../../core/runConfig';
import type { RunRecord } from '../../core/runFormat';
import { writeFileAtomic, writeRunRecord } from '../../store/runFiles';
import { createRun, readRunDir } from '../../store/runStore';
import { PYTHON_ENV } from '../commandSetup';
import { arraySpec, checkSlurmOptions, sbatchScript, type SlurmOptions } from './script';
import { HEARTBEAT_MS } from './status';
import { parseSbatchJobId, requireSbatch, slurmCommand } from './tools';

export interface SlurmSubmitRequest {
  runsDir: string;
  configs: readonly RunConfig[];
  /** The folder that keeps the sbatch script and the tasks' Slurm output (e.g. the sweep's folder). */
  folder: string;
  jobName: string;
  options: SlurmOptions;
  /** The tasks' working folder. */
  cwd: string;
  /** The bundled CLI (dist/cli.js) the tasks run, and the node that runs it (default: this one). */
  cliPath: string;
  nodePath?: string;
  /** The environment sbatch runs with (and passes on to the tasks, as sbatch does by default). */
  env?: NodeJS.ProcessEnv;
  /** Variables the script sets for its tasks, e.g. the interpreter chosen for a command run. */
  taskEnv?: Record<string, string>;
}

export interface SlurmSubmission {
  jobId: string;
  script: string;
  array: string;
  runIds: string[];
  submittedAt: string;
}

/** What the tasks of command runs need to use the interpreter chosen at submission (Slurm tasks read no settings). */
export function interpreterTaskEnv(interpreterPath: string): Record<string, string> {
  return { [PYTHON_ENV]: interpreterPath };
}

/** The next free `array-N.sbatch` in the folder: every submission of a sweep keeps its own script. */
function nextScriptPath(folder: string): string {
  for (let n = 1; ; n++) {
    const file = path.join(folder, `array-${n}.sbatch`);
    if (!fs.existsSync(file)) return file;
  }
}

/** Folders whose contents the cluster's nodes are unlikely to see: this machine's temporary space. */
export function unsharedFolderWarning(runsDir: string): string | undefined {
  const local = [os.tmpdir(), '/tmp', '/var/tmp', '/dev/shm', '/run'].map((dir) => path.resolve(dir));
  const resolved = path.resolve(runsDir);
  const under = local.find((dir) => resolved === dir || resolved.startsWith(dir + path.sep));
  if (!under) return undefined;
  return `the runs folder ${resolved} is under ${under}, which is usually local to each machine: the tasks write their run `
    + 'folders on the node that runs them, so use a folder on a file system the nodes share (home or project space)';
}

export async function submitSlurmArray(request: SlurmSubmitRequest): Promise<SlurmSubmission> {
  const env = request.env ?? process.env;
  requireSbatch(env);
  const options = checkSlurmOptions(request.options);
  if (request.configs.length === 0) throw new Error('nothing to submit: no runs');
  const created: string[] = [];
  let script: string | undefined;
  try {
    for (const config of request.configs) created.push(createRun(request.runsDir, config).runDir);
    fs.mkdirSync(request.folder, { recursive: true });
    script = nextScriptPath(request.folder);
    const runIds = created.map((dir) => path.basename(dir));
    writeFileAtomic(script, sbatchScript({
      jobName: request.jobName, runIds, runsDir: path.resolve(request.runsDir), cwd: request.cwd,
      nodePath: request.nodePath ?? process.execPath, cliPath: request.cliPath, logDir: request.folder, options,
      env: { POLYLOSS_HEARTBEAT_MS: String(Number(env.POLYLOSS_HEARTBEAT_MS) > 0 ? Number(env.POLYLOSS_HEARTBEAT_MS) : HEARTBEAT_MS), ...request.taskEnv },
    }));
    fs.chmodSync(script, 0o755);
    const jobId = parseSbatchJobId(await slurmCommand('sbatch', ['--parsable', '--hold', script], { env, cwd: request.cwd }));
    const submittedAt = new Date().toISOString();
    try {
      created.forEach((dir, taskId) => {
        const record: RunRecord = readRunDir(dir);
        writeRunRecord(dir, { ...record, slurm: { jobId, taskId, script: script!, submittedAt } });
      });
      await slurmCommand('scontrol', ['release', jobId], { env });
    } catch (e) {
      await slurmCommand('scancel', [jobId], { env }).catch(() => undefined);
      throw e;
    }
    return { jobId, script, array: arraySpec(runIds.length, options.maxParallel), runIds, submittedAt };
  } catch (e) {
    for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
    if (script) fs.rmSync(script, { force: true });
    throw e;
  }
}

