import { briefMessage } from '../../core/errors';
import { GLOBAL_FLAGS, writeJson, writeLine, type Command, type CliContext } from '../context';
import { renderRunTable } from '../runTable';
import { CONCURRENCY_FLAG, CONFIG_FILE_FLAG, CONFIG_FLAGS, SEEDS_FLAG, buildTrainConfigs } from '../trainConfig';
import { defaultConcurrency, runTraining, type TrainingResult } from '../training';

/**
 * Results of finished training: the runs table (or JSON, with `extra` fields) on stdout; on stderr, in
 * both modes, each run that did not complete, its message in brief (the whole message, a script's
 * traceback say, was printed when the run failed).
 */
export function reportTraining(ctx: CliContext, json: boolean, result: TrainingResult, extra: Record<string, unknown> = {}): void {
  if (json) writeJson(ctx, { runs: result.records, interrupted: result.interruptedBy ?? null, exitCode: result.exitCode, ...extra });
  else writeLine(ctx.stdout, renderRunTable(result.records));
  for (const record of result.records) {
    if (record.error && record.status !== 'cancelled') writeLine(ctx.stderr, `${record.id} ${record.status}: ${briefMessage(record.error)}`);
    const divergedAt = record.status === 'diverged' ? record.summary?.divergedAtStep : undefined;
    if (divergedAt !== undefined) {
      writeLine(ctx.stderr, `${record.id} diverged at step ${divergedAt}: the loss became non-finite or exploded; try a lower learning rate`);
    }
  }
  if (result.interruptedBy) writeLine(ctx.stderr, 'Interrupted: unfinished runs are kept as cancelled, with the metrics recorded so far.');
}

export const trainCommand: Command = {
  spec: {
    name: 'train',
    summary: 'Train classifiers with a loss of the PolyLoss family, one run per seed. Progress goes to stderr, the results table to stdout.',
    flags: [...CONFIG_FLAGS, SEEDS_FLAG, CONFIG_FILE_FLAG, CONCURRENCY_FLAG, ...GLOBAL_FLAGS],
    examples: [
      'polyloss train --dataset digits --loss poly --epsilon 2 --epochs 5',
      'polyloss train --loss ce --seeds 1,2,3 --concurrency 2',
      'polyloss train --dataset csv --data data.csv --label-column species --loss focal --gamma 2',
      'polyloss train --config run.json --epochs 3',
    ],
  },
  async run({ args, ctx, json, runsDir }) {
    const { configs, warnings } = buildTrainConfigs(args.flags, ctx.cwd);
    for (const warning of warnings) writeLine(ctx.stderr, `warning: ${warning}`);
    const concurrency = (args.flags.concurrency as number | undefined) ?? defaultConcurrency(configs.length);
    const result = await runTraining(configs, { runsDir, concurrency, ctx });
    reportTraining(ctx, json, result);
    return result.exitCode;
  },
};
