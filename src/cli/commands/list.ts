import { scriptNameOf } from '../../core/commandRun';
import { describeLoss } from '../../core/lossSpec';
import { listRuns } from '../../store/runStore';
import { GLOBAL_FLAGS, reconcileBeforeReading, reconcileSlurmBeforeReading, writeJson, writeLine, type Command } from '../context';
import { formatPercent, formatTable, formatTime } from '../format';

export const listCommand: Command = {
  spec: {
    name: 'list',
    summary: 'List the runs, oldest first, and the run folders that cannot be read (with the reason).',
    flags: GLOBAL_FLAGS,
  },
  async run({ ctx, json, runsDir }) {
    await reconcileSlurmBeforeReading(runsDir, ctx);
    reconcileBeforeReading(runsDir, ctx);
    const { runs, broken } = listRuns(runsDir);
    if (json) {
      writeJson(ctx, { runsDir, runs, broken });
      return 0;
    }
    if (runs.length === 0 && broken.length === 0) {
      writeLine(ctx.stdout, `No runs in ${runsDir} yet; start one with: polyloss train`);
      return 0;
    }
    const rows = runs.map((r) => [
      r.id,
      r.status,
      r.name,
      r.config.command ? scriptNameOf(r.config.command) : r.config.dataset.name,
      describeLoss(r.config.loss),
      // A script's run plans no epochs of ours: its count alone.
      `${r.summary?.epochs ?? 0}${r.config.epochs !== undefined ? `/${r.config.epochs}` : ''}`,
      formatPercent(r.summary?.testAcc),
      formatTime(r.createdAt),
    ]);
    writeLine(ctx.stdout, formatTable(['ID', 'STATUS', 'NAME', 'DATASET', 'LOSS', 'EPOCHS', 'TEST ACC', 'CREATED'], rows, [false, false, false, false, false, true, true]));
    if (broken.length > 0) {
      writeLine(ctx.stdout, `\n${broken.length} run folder(s) cannot be read:`);
      for (const b of broken) writeLine(ctx.stdout, `  ${b.runId}: ${b.reason}`);
    }
    return 0;
  },
};
