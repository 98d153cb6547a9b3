/** The settings of a Slurm job array that the user chooses (CLI flags, VS Code settings), and their checks. */

export interface SlurmOptions {
  partition?: string;
  /** Slurm's time limit per task: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. */
  time?: string;
  cpus?: number;
  gpus?: number;
  /** At most this many tasks run at once (the `%M` of `--array`). */
  maxParallel?: number;
  /** More sbatch options, each written as its own #SBATCH line, e.g. `--qos=short`. */
  extraArgs?: readonly string[];
}

/** A setting Slurm would refuse, named by its field. */
export class SlurmOptionError extends Error {
  constructor(readonly field: keyof SlurmOptions, message: string) {
    super(message);
    this.name = 'SlurmOptionError';
  }
}

const TIME = /^(\d+-\d+(:\d+(:\d+)?)?|\d+(:\d+(:\d+)?)?)$/;
const PARTITION = /^[A-Za-z0-9_.,-]+$/;

/** Throws SlurmOptionError for the first setting that is not valid, naming what is accepted. */
export function checkSlurmOptions(opts: SlurmOptions): SlurmOptions {
  if (opts.partition !== undefined && !PARTITION.test(opts.partition)) {
    throw new SlurmOptionError('partition', `partition must be a Slurm partition name (letters, digits, '_', '.', '-'; several separated by ','), got '${opts.partition}'`);
  }
  if (opts.time !== undefined && !TIME.test(opts.time)) {
    throw new SlurmOptionError('time', `time must be a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (got '${opts.time}')`);
  }
  for (const field of ['cpus', 'gpus', 'maxParallel'] as const) {
    const n = opts[field];
    const min = field === 'gpus' ? 0 : 1;
    if (n !== undefined && (!Number.isInteger(n) || n < min)) throw new SlurmOptionError(field, `${field} must be an integer ≥ ${min} (got ${n})`);
  }
  for (const arg of opts.extraArgs ?? []) {
    if (!/^--?[A-Za-z]/.test(arg) || /[\n\r]/.test(arg)) {
      throw new SlurmOptionError('extraArgs', `each extra sbatch argument must be one option such as --qos=short or --constraint=v100 (got '${arg}')`);
    }
  }
  return opts;
}
