import type { Interval } from '../stats/summary';
import type { CeComparison, DroppedSetting, StopReason, TuneBest, TuneRound } from './planner';

/**
 * A tune in words: the one-sentence answer and one line per round, for the terminal, the JSON
 * output, VS Code's notification and the dashboard alike.
 */

/**
 * How the metric reads: accuracies in percentage points (values are fractions). The planner orients its
 * differences so that positive is better; where lower is better (ECE) they are shown as measured, ε − CE,
 * like the report's, with the metric named where the answer says that an ε beat CE.
 */
export interface TuneScale {
  percent: boolean;
  higherIsBetter?: boolean;
  label?: string;
}

/** A planner difference (or interval) as measured, ε − CE: the planner's, turned round where lower is better. */
function measured(difference: number, scale: TuneScale): number {
  return scale.higherIsBetter === false ? -difference : difference;
}

function measuredInterval(ci: Interval, scale: TuneScale): Interval {
  return scale.higherIsBetter === false ? { low: -ci.high, high: -ci.low } : ci;
}

function amount(value: number, scale: TuneScale, signed = false): string {
  const shown = scale.percent ? value * 100 : value;
  const text = shown.toFixed(scale.percent ? 1 : 3);
  const zero = Number(text) === 0;
  return `${signed && shown > 0 && !zero ? '+' : ''}${zero ? (0).toFixed(scale.percent ? 1 : 3) : text}`;
}

/** `value` with as many decimals as it takes (up to 4 more) not to read as `beside`. */
function amountBeside(value: number, beside: number, scale: TuneScale): string {
  const factor = scale.percent ? 100 : 1;
  const base = scale.percent ? 1 : 3;
  for (let decimals = base; decimals < base + 4; decimals++) {
    if ((value * factor).toFixed(decimals) !== (beside * factor).toFixed(decimals)) return (value * factor).toFixed(decimals);
  }
  return (value * factor).toFixed(base + 4);
}

function unit(scale: TuneScale): string {
  return scale.percent ? ' pts' : '';
}

function interval(ci: Interval, scale: TuneScale): string {
  return `[${amount(ci.low, scale)}, ${amount(ci.high, scale)}]`;
}

export function formatHolmP(p: number): string {
  return p < 0.001 ? 'Holm p < 0.001' : `Holm p = ${Number(p.toPrecision(2))}`;
}

/** −1 with a real minus sign. */
export function epsilonText(epsilon: number): string {
  return epsilon < 0 ? `−${-epsilon}` : String(epsilon);
}

export function formatEpsilon(epsilon: number): string {
  return `ε = ${epsilonText(epsilon)}`;
}

function runsWord(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}

/** "+4.2 pts [1.9, 6.4], Holm p = 0.02" */
export function describeDifference(c: Pick<CeComparison, 'difference' | 'ci' | 'pAdjusted'>, scale: TuneScale): string {
  if (c.difference === null) return 'no comparison yet';
  const parts = [`${amount(measured(c.difference, scale), scale, true)}${unit(scale)}${c.ci ? ` ${interval(measuredInterval(c.ci, scale), scale)}` : ''}`];
  if (c.pAdjusted !== null) parts.push(formatHolmP(c.pAdjusted));
  return parts.join(', ');
}

export interface TuneOutcome {
  reason: StopReason;
  best: TuneBest | null;
  runs: number;
  budget: number;
  minEffect: number;
}

/** The answer in one sentence. */
export function tuneAnswer(outcome: TuneOutcome, scale: TuneScale): string {
  const { best, runs } = outcome;
  if (outcome.reason === 'significant' && best) {
    const how = scale.higherIsBetter === false ? `: ${scale.label ?? 'the metric'}` : ' by';
    return `${formatEpsilon(best.epsilon)} beats CE${how} ${describeDifference(best, scale)}, ${runsWord(runs)}`;
  }
  const effect = `${amount(outcome.minEffect, scale)}${unit(scale)}`;
  if (outcome.reason === 'no-effect') return `no ε beat CE by ${effect} or more within ${runsWord(runs)}`;
  const closest = best && best.difference !== null ? `; closest: ${formatEpsilon(best.epsilon)}, ${describeDifference(best, scale)}` : '';
  return `no ε beat CE significantly within the budget of ${runsWord(outcome.budget)} (${runs} used)${closest}`;
}

/** Why a setting was dropped, e.g. "worse than ε = −1: −12.0 pts [−15.1, −8.9], Holm p = 0.003". */
export function describeDrop(drop: DroppedSetting, minEffect: number, scale: TuneScale): string {
  switch (drop.reason) {
    case 'no-results': return 'most of its runs gave no result (diverged)';
    case 'cannot-beat-ce': {
      const lower = scale.higherIsBetter === false;
      // The end to the precision that shows it short of the effect (0.47 against 0.5, not 0.5 against 0.5).
      const end = drop.ci && measuredInterval(drop.ci, scale);
      const at = end ? ` at ${amountBeside(lower ? end.low : end.high, lower ? -minEffect : minEffect, scale)},` : '';
      return `cannot beat CE by ${amount(minEffect, scale)}${unit(scale)}: its interval ends${at} ${lower ? `above ${amount(-minEffect, scale)}` : 'below that'}`;
    }
    case 'worse-than-best': {
      const numbers = drop.difference !== undefined && drop.ci ? `: ${describeDifference({ difference: drop.difference, ci: drop.ci, pAdjusted: drop.pAdjusted ?? null }, scale)}` : '';
      return `worse than ${formatEpsilon(drop.against ?? Number.NaN)}${numbers}`;
    }
  }
}

/** One line per round: what ran and what the look after it decided. */
export function describeRounds(rounds: readonly TuneRound[], minEffect: number, scale: TuneScale): string[] {
  const lines: string[] = [];
  for (const round of rounds) {
    const added = round.added.length > 0 ? `, new ε ${round.added.map(epsilonText).join(', ')}` : '';
    lines.push(`Round ${round.round}: ${runsWord(round.runs.length)}${added}; ${round.seeds.length} seeds so far`);
    if (!round.look) {
      lines.push('  (runs still to finish)');
      continue;
    }
    for (const c of [...round.look.comparisons].sort((a, b) => a.epsilon - b.epsilon)) {
      const drop = round.look.dropped.find((d) => d.epsilon === c.epsilon);
      lines.push(`  ${formatEpsilon(c.epsilon)} vs CE: ${describeDifference(c, scale)}${drop ? ` — dropped, ${describeDrop(drop, minEffect, scale)}` : ''}`);
    }
  }
  return lines;
}

/** The look after a round in one line: "After round 1: best so far ε = −1, +2.2 pts [−0.6, 5.0]; dropped ε = 3, 4". */
export function describeLook(round: TuneRound, scale: TuneScale): string {
  if (!round.look) return `Round ${round.round}: runs still to finish`;
  const best = round.look.comparisons.find((c) => c.epsilon === round.look!.best);
  const parts = [best ? `best so far ${formatEpsilon(best.epsilon)}, ${describeDifference(best, scale)}` : 'no comparison yet'];
  if (round.look.dropped.length > 0) parts.push(`dropped ε = ${round.look.dropped.map((d) => d.epsilon).sort((a, b) => a - b).map(epsilonText).join(', ')}`);
  return `After round ${round.round}: ${parts.join('; ')}`;
}
