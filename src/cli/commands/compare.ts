import type { RunRecord } from '../../core/runFormat';
import { summarizeForTable } from '../../store/runTable';
import { readRun, resolveRunId, RunStoreError } from '../../store/runStore';
import { GLOBAL_FLAGS, writeJson, writeLine, type CliContext, type Command } from '../context';
import { renderRunTable } from '../runTable';

/**
 * The runs that the given ids, prefixes or suffixes name, each once, in the order given. A named
 * run that cannot be read is passed to `skip` with the reason and left out, so the others are still
 * shown; when none can be read, the first reason is the error.
 */
export function readRuns(runsDir: string, refs: readonly string[], skip: (reason: string) => void): RunRecord[] {
  const ids = [...new Set(refs.map((ref) => resolveRunId(runsDir, ref)))];
  const records: RunRecord[] = [];
  const reasons: RunStoreError[] = [];
  for (const id of ids) {
    try {
      records.push(readRun(runsDir, id));
    } catch (e) {
      if (!(e instanceof RunStoreError) || e.code !== 'broken') throw e;
      reasons.push(e);
    }
  }
  if (records.length === 0 && reasons.length > 0) throw reasons[0];
  for (const reason of reasons) skip(reason.message);
  return records;
}

/** Tells on stderr which named runs are left out (see readRuns). */
export function noteSkipped(ctx: CliContext): (reason: string) => void {
  return (reason) => writeLine(ctx.stderr, `note: left out: ${reason}`);
}

export const compareCommand: Command = {
  spec: {
    name: 'compare',
    summary: 'Compare runs: the config settings that differ between them, and final loss, best validation accuracy, test accuracy and ECE.',
    positionals: { name: 'ID…', min: 1, max: Infinity },
    flags: GLOBAL_FLAGS,
    examples: ['polyloss compare 3f9a 7c21 0b5e'],
  },
  async run({ args, ctx, json, runsDir }) {
    const records = readRuns(runsDir, args.positionals, noteSkipped(ctx));
    if (json) {
      writeJson(ctx, { runs: records, table: summarizeForTable(records) });
      return 0;
    }
    writeLine(ctx.stdout, renderRunTable(records, { showCommon: true }));
    return 0;
  },
};
