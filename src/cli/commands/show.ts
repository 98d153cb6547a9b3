import { configFacts, labelOf } from '../../core/configDiff';
import { describeLoss } from '../../core/lossSpec';
import type { EpochMetric, RunRecord } from '../../core/runFormat';
import { readClassResults, readMetrics } from '../../store/runFiles';
import { readRun, runDirOf } from '../../store/runStore';
import { GLOBAL_FLAGS, reconcileBeforeReading, reconcileSlurmBeforeReading, writeJson, writeLine, type Command } from '../context';
import { formatDuration, formatNumber, formatPercent, formatTable, formatTime } from '../format';

function describeRun(record: RunRecord, epochs: EpochMetric[]): string {
  const lines: string[] = [`${record.id}  ${record.name}`, ''];
  const field = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') lines.push(`${`${label}:`.padEnd(14)}${value}`);
  };
  field('status', record.status);
  field('error', record.error);
  field('loss', describeLoss(record.config.loss));
  field('created', formatTime(record.createdAt));
  field('started', record.startedAt && formatTime(record.startedAt));
  if (record.startedAt && record.endedAt) {
    field('ended', `${formatTime(record.endedAt)} (took ${formatDuration(Date.parse(record.endedAt) - Date.parse(record.startedAt))})`);
  }
  const env = record.environment;
  if (env) field('environment', `backend ${env.backend}, tfjs ${env.tfjsVersion}, node ${env.nodeVersion}, ${env.platform}`);
  const data = record.data;
  if (data) field('data', `${data.numClasses} classes, ${data.train} train / ${data.validation} validation / ${data.test} test, input ${data.inputShape.join('×')}`);

  lines.push('', 'Config:');
  for (const [key, value] of configFacts(record.config)) if (value !== '') lines.push(`  ${labelOf(key).padEnd(16)}${value}`);

  const s = record.summary;
  if (s) {
    lines.push('', 'Summary:');
    const metric = (label: string, value: string) => lines.push(`  ${label.padEnd(16)}${value}`);
    metric('steps', `${s.steps}${record.totalSteps ? `/${record.totalSteps}` : ''}`);
    metric('epochs', `${s.epochs}/${record.config.epochs}`);
    metric('final loss', formatNumber(s.finalLoss));
    metric('final val loss', formatNumber(s.finalValLoss));
    metric('final val acc', formatPercent(s.finalValAcc));
    metric('best val acc', formatPercent(s.bestValAcc));
    metric('test acc', formatPercent(s.testAcc));
    metric('test loss', formatNumber(s.testLoss));
    metric('ECE', formatNumber(s.ece));
    if (s.divergedAtStep !== undefined) metric('diverged at', `step ${s.divergedAtStep}`);
    if (s.samplesPerSec !== undefined) metric('samples/s', s.samplesPerSec.toFixed(0));
  }
  if (epochs.length > 0) {
    lines.push('', formatTable(
      ['EPOCH', 'STEP', 'TRAIN LOSS', 'VAL LOSS', 'VAL ACC', 'PT MEDIAN'],
      epochs.map((e) => [String(e.epoch), String(e.step), formatNumber(e.trainLoss), formatNumber(e.valLoss), formatPercent(e.valAcc), formatNumber(e.pt?.q50, 3)]),
      [true, true, true, true, true, true],
    ));
  }
  return lines.join('\n');
}

export const showCommand: Command = {
  spec: {
    name: 'show',
    summary: 'Show one run: status, config, environment, summary metrics and the per-epoch table. ID may be a unique prefix or suffix of the id.',
    positionals: { name: 'ID', min: 1, max: 1 },
    flags: GLOBAL_FLAGS,
  },
  async run({ args, ctx, json, runsDir }) {
    await reconcileSlurmBeforeReading(runsDir, ctx);
    reconcileBeforeReading(runsDir, ctx);
    const record = readRun(runsDir, args.positionals[0]);
    const { lines, skipped } = readMetrics(runDirOf(runsDir, record.id));
    const epochs = lines.filter((l): l is EpochMetric => l.kind === 'epoch');
    if (json) {
      const classResults = readClassResults(runDirOf(runsDir, record.id), record);
      writeJson(ctx, { record, epochs, stepLines: lines.length - epochs.length, skippedLines: skipped, ...(classResults ? { classResults } : {}) });
      return 0;
    }
    writeLine(ctx.stdout, describeRun(record, epochs));
    if (skipped > 0) writeLine(ctx.stderr, `note: ${skipped} unreadable line(s) in metrics.jsonl were skipped`);
    return 0;
  },
};
