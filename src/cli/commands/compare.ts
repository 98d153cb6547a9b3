import type { RunRecord } from '../../core/runFormat';
import { summarizeForTable } from '../../store/runTable';
import { readRun, resolveRunId } from '../../store/runStore';
import { GLOBAL_FLAGS, writeJson, writeLine, type Command } from '../context';
import { renderRunTable } from '../runTable';

/** The runs that the given ids, prefixes or suffixes name, each once, in the order given. */
export function readRuns(runsDir: string, refs: readonly string[]): RunRecord[] {
  const ids = [...new Set(refs.map((ref) => resolveRunId(runsDir, ref)))];
  return ids.map((id) => readRun(runsDir, id));
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
    const records = readRuns(runsDir, args.positionals);
    if (json) {
      writeJson(ctx, { runs: records, table: summarizeForTable(records) });
      return 0;
    }
    writeLine(ctx.stdout, renderRunTable(records, { showCommon: true }));
    return 0;
  },
};
