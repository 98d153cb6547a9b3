import { describeLoss, type LossSpec } from '../../core/lossSpec';
import type { RunConfig } from '../../core/runConfig';
import type { RunRecord } from '../../core/runFormat';
import { resolveRunConfig } from '../../core/validate';
import { timestampPart } from '../../store/runIds';
import { GLOBAL_FLAGS, writeLine, type Command } from '../context';
import { formatPercent, formatTable } from '../format';
import { runTraining } from '../training';
import { reportTraining } from './train';

/** Short enough for the whole demo to finish well under two minutes on two cores. */
export const DEMO_EPOCHS = 25;
const DEMO_LOSSES: readonly LossSpec[] = [{ type: 'ce' }, { type: 'poly', epsilon: 1 }, { type: 'poly', epsilon: 2 }];
const DEMO_SEEDS: readonly number[] = [1, 2];

export function demoConfigs(epochs: number): RunConfig[] {
  const sweepId = `demo-${timestampPart(new Date())}`;
  return DEMO_LOSSES.flatMap((loss) => DEMO_SEEDS.map((seed) => {
    const result = resolveRunConfig({ dataset: { name: 'digits' }, model: { type: 'mlp', hidden: [128] }, loss, epochs, seed, sweepId });
    if (!result.ok) throw new Error(`demo config is invalid: ${result.errors.map((e) => e.message).join('; ')}`);
    return result.value;
  }));
}

/** Mean and sample standard deviation of the test accuracy of each loss across seeds. */
function seedAverages(records: readonly RunRecord[]): string {
  const groups = new Map<string, number[]>();
  for (const r of records) {
    const label = describeLoss(r.config.loss);
    const accs = groups.get(label) ?? [];
    if (r.summary?.testAcc !== undefined) accs.push(r.summary.testAcc);
    groups.set(label, accs);
  }
  const rows = [...groups].map(([label, accs]) => {
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const sd = accs.length > 1 ? Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (accs.length - 1)) : NaN;
    return [label, String(accs.length), formatPercent(accs.length ? mean : undefined), Number.isFinite(sd) ? `±${(sd * 100).toFixed(2)}` : '—'];
  });
  return formatTable(['LOSS', 'SEEDS', 'MEAN TEST ACC', 'SD'], rows, [false, true, true, true]);
}

export const demoCommand: Command = {
  spec: {
    name: 'demo',
    summary: `Train CE, Poly-1 ε=1 and Poly-1 ε=2 with seeds ${DEMO_SEEDS.join(' and ')} on the bundled digits (MLP), two at a time, and compare them.`,
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
    reportTraining(ctx, json, result);
    if (!json) {
      writeLine(ctx.stdout, `\n${seedAverages(result.records)}`);
      writeLine(ctx.stderr, `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Open the runs in VS Code (PolyLoss Lab) or: polyloss compare <ID…>`);
    }
    return result.exitCode;
  },
};
