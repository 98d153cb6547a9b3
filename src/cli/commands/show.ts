import { commandRunFacts } from '../../core/commandRun';
import { configFacts, labelOf } from '../../core/configDiff';
import { describeLoss } from '../../core/lossSpec';
import type { EpochMetric, RunRecord } from '../../core/runFormat';
import { readClassResults, readMetrics } from '../../store/runFiles';
import { readRun, runDirOf } from '../../store/runStore';
import { GLOBAL_FLAGS, reconcileBeforeReading, reconcileSlurmBeforeReading, writeJson, writeLine, type Command } from '../context';
import { formatDuration, formatNumber, formatPercent, formatTable, formatTime } from '../format';

/** Labels and their values, the values of a block lined up after its longest label; empty values left out. */
function aligned(rows: readonly [string, string | undefined][], { indent = '', colon = true } = {}): string[] {
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '');
  const label = (text: string) => (colon ? `${text}:` : text);
  const width = Math.max(0, ...shown.map(([text]) => label(text).length)) + 2;
  return shown.map(([text, value]) => `${indent}${label(text).padEnd(width)}${value}`);
}

function describeRun(record: RunRecord, epochs: EpochMetric[]): string {
  const lines: string[] = [`${record.id}  ${record.name}`, ''];
  const head: [string, string | undefined][] = [];
  const field = (label: string, value: string | undefined) => head.push([label, value]);
  field('status', record.status);
  field('error', record.error);
  field('loss', describeLoss(record.config.loss));
  field('created', formatTime(record.createdAt));
  field('started', record.startedAt && formatTime(record.startedAt));
  if (record.startedAt && record.endedAt) {
    field('ended', `${formatTime(record.endedAt)} (took ${formatDuration(Date.parse(record.endedAt) - Date.parse(record.startedAt))})`);
  }
  const env = record.environment;
  if (record.config.command !== undefined) {
    for (const [label, value] of commandRunFacts(record)) field(label.toLowerCase(), value);
  } else if (env) {
    field('environment', `backend ${env.backend}, tfjs ${env.tfjsVersion}, node ${env.nodeVersion}, ${env.platform}`);
  }
  const data = record.data;
  if (data) field('data', `${data.numClasses} classes, ${data.train} train / ${data.validation} validation / ${data.test} test, input ${data.inputShape.join('×')}`);
  lines.push(...aligned(head));

  lines.push('', 'Config:');
  lines.push(...aligned([...configFacts(record.config)].map(([key, value]) => [labelOf(key), value]), { indent: '  ', colon: false }));

  const s = record.summary;
  if (s) {
    lines.push('', 'Summary:');
    const summary: [string, string | undefined][] = [];
    const metric = (label: string, value: string) => summary.push([label, value]);
    metric('steps', `${s.steps}${record.totalSteps ? `/${record.totalSteps}` : ''}`);
    metric('epochs', `${s.epochs}${record.config.epochs !== undefined ? `/${record.config.epochs}` : ''}`);
    metric('final loss', formatNumber(s.finalLoss));
    metric('final val loss', formatNumber(s.finalValLoss));
    metric('final val acc', formatPercent(s.finalValAcc));
    metric('best val acc', formatPercent(s.bestValAcc));
    metric('test acc', formatPercent(s.testAcc));
    metric('test loss', formatNumber(s.testLoss));
    metric('ECE', formatNumber(s.ece));
    if (s.divergedAtStep !== undefined) metric('diverged at', `step ${s.divergedAtStep}`);
    if (s.samplesPerSec !== undefined) metric('samples/s', s.samplesPerSec.toFixed(0));
    lines.push(...aligned(summary, { indent: '  ', colon: false }));
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
