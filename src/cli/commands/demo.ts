import { analyzeRuns } from '../../core/grouping';
import type { LossSpec } from '../../core/lossSpec';
import type { RunConfig } from '../../core/runConfig';
import { resolveRunConfig } from '../../core/validate';
import { timestampPart } from '../../store/runIds';
import { GLOBAL_FLAGS, writeLine, type Command } from '../context';
import { runTraining } from '../training';
import { DEFAULT_METRIC, analysisJson, resultsText } from './report';
import { reportTraining } from './train';

/** Short enough for the whole demo to finish well under two minutes on two cores. */
export const DEMO_EPOCHS = 25;
const DEMO_LOSSES: readonly LossSpec[] = [{ type: 'ce' }, { type: 'poly', epsilon: 1 }, { type: 'poly', epsilon: 2 }];
/** Three seeds: with two, test accuracies on digits' 269 test images often differ by the same example on both, leaving no spread to test. */
const DEMO_SEEDS: readonly number[] = [1, 2, 3];

export function demoConfigs(epochs: number): RunConfig[] {
  const sweepId = `demo-${timestampPart(new Date())}`;
  return DEMO_LOSSES.flatMap((loss) => DEMO_SEEDS.map((seed) => {
    const result = resolveRunConfig({ dataset: { name: 'digits' }, model: { type: 'mlp', hidden: [128] }, loss, epochs, seed, sweepId });
    if (!result.ok) throw new Error(`demo config is invalid: ${result.errors.map((e) => e.message).join('; ')}`);
    return result.value;
  }));
}

export const demoCommand: Command = {
  spec: {
    name: 'demo',
    summary: `Train CE, Poly-1 ε=1 and Poly-1 ε=2 with seeds ${DEMO_SEEDS.join(', ')} on the bundled digits (MLP), two at a time, and compare them.`,
    flags: [
      { name: 'epochs', type: 'integer', min: 1, valueName: 'N', description: `epochs per run (default ${DEMO_EPOCHS})` },
      { name: 'concurrency', type: 'integer', min: 1, valueName: 'N', description: 'runs training at once (default 2)' },
      ...GLOBAL_FLAGS,
    ],
  },
  async run({ args, ctx, json, runsDir }) {
    const configs = demoConfigs((args.flags.epochs as number | undefined) ?? DEMO_EPOCHS);
    const concurrency = (args.flags.concurrency as number | undefined) ?? 2;
    if (!json) writeLine(ctx.stderr, `Training ${configs.length} runs on digits, ${concurrency} at a time; runs are kept in ${runsDir}`);
    const started = Date.now();
    const result = await runTraining(configs, { runsDir, concurrency, ctx });
    const analysis = analyzeRuns(result.records, { metric: DEFAULT_METRIC });
    reportTraining(ctx, json, result, analysisJson(analysis));
    if (!json) {
      writeLine(ctx.stdout, `\n${resultsText(analysis)}`);
      writeLine(ctx.stderr, `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Open the runs in VS Code (PolyLoss Lab) or: polyloss compare <ID…>`);
    }
    return result.exitCode;
  },
};
