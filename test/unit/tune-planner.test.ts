import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/core/random';
import {
  DEFAULT_TUNE_OPTIONS, TuneError, checkEpsilonRange, coarseGrid, describeDrop, describeRounds, firstRoundSize, lookAlpha, planTune, refinementPoints, tuneAnswer,
  type Setting, type StopReason, type TuneBest, type TuneObservation, type TuneOptions,
} from '../../src/core/tune';

/** A standard normal draw (Box–Muller) from a seeded uniform source. */
function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

interface Simulated {
  reason: StopReason;
  best: TuneBest | null;
  runs: number;
}

/**
 * One search on synthetic accuracies: run value = 0.6 + truth(ε) + a seed effect shared by every
 * setting (same split and initialisation) + run noise, with spreads like the noisy digits study's.
 */
function simulate(truth: (epsilon: Setting) => number, seed: number, options: TuneOptions = DEFAULT_TUNE_OPTIONS): Simulated {
  const rng = createRng(seed);
  const seedEffect = new Map<number, number>();
  const observations: TuneObservation[] = [];
  for (;;) {
    const state = planTune(options, observations);
    if (state.next.kind === 'stop') return { reason: state.next.reason, best: state.next.best, runs: state.runs };
    for (const run of state.next.runs) {
      if (!seedEffect.has(run.seed)) seedEffect.set(run.seed, 0.03 * normal(rng));
      observations.push({ ...run, value: 0.6 + truth(run.epsilon) + seedEffect.get(run.seed)! + 0.018 * normal(rng) });
    }
  }
}

const SEARCHES = 200;

function searches(truth: (epsilon: Setting) => number, options?: TuneOptions): Simulated[] {
  return Array.from({ length: SEARCHES }, (_, i) => simulate(truth, 1000 + i, options));
}

describe('tune: ε grid', () => {
  it('starts with at most 5 round values over the range, the ends included and 0 (CE) left out', () => {
    assert.deepEqual(coarseGrid({ min: -1, max: 4 }).points, [-1, 1, 2, 3, 4]);
    assert.deepEqual(coarseGrid({ min: -1, max: 1 }).points, [-1, -0.5, 0.5, 1]);
    assert.deepEqual(coarseGrid({ min: 0.3, max: 2 }).points, [0.3, 0.5, 1, 1.5, 2]);
    assert.deepEqual(coarseGrid({ min: 2, max: 2 }).points, [2]);
  });

  it('refines halfway to the neighbours, inside the range and never at 0 or twice', () => {
    assert.deepEqual(refinementPoints(-1, 0.5, { min: -1, max: 4 }, new Set([-1, 1])), [-0.5]);
    assert.deepEqual(refinementPoints(2, 0.5, { min: -1, max: 4 }, new Set([1.5])), [2.5]);
    assert.deepEqual(refinementPoints(0.5, 0.5, { min: -1, max: 4 }, new Set()), [1]);
  });

  it('refuses an empty range, a range of only CE, and ε below −1 unless allowed', () => {
    assert.match(checkEpsilonRange({ min: 2, max: 1 }, false)!, /range 2\.\.1 is empty/);
    assert.match(checkEpsilonRange({ min: 0, max: 0 }, false)!, /only ε = 0, which is CE/);
    assert.match(checkEpsilonRange({ min: -2, max: 4 }, false)!, /below -1, where Poly-1 is no longer monotone in Pt/);
    assert.equal(checkEpsilonRange({ min: -2, max: 4 }, true), undefined);
  });
});

describe('tune: options', () => {
  const bad = (options: Partial<TuneOptions>, field: string, message: RegExp): void => {
    assert.throws(() => planTune({ ...DEFAULT_TUNE_OPTIONS, ...options }, []), (e: unknown) => e instanceof TuneError && e.field === field && message.test(e.message));
  };

  it('says how many runs the first round needs when the budget is smaller', () => {
    assert.equal(firstRoundSize(DEFAULT_TUNE_OPTIONS), 18);
    bad({ budget: 17 }, 'budget', /budget of 17 runs is too small for the first round, which takes 18 runs \(5 ε: -1, 1, 2, 3, 4, and CE, × 3 seeds\)/);
  });

  it('needs 2 seeds at least, a range and α in (0, 1)', () => {
    bad({ initialSeeds: 1 }, 'initialSeeds', /≥ 2: a paired comparison with CE needs at least 2 seeds \(got 1\)/);
    bad({ range: { min: 3, max: -1 } }, 'range', /empty/);
    bad({ range: { min: -3, max: 1 } }, 'range', /below -1/);
    bad({ alpha: 1 }, 'alpha', /\(0, 1\)/);
  });

  it('spends α over the planned looks in shares that grow with the look and add up to α', () => {
    const shares = [1, 2, 3].map((k) => lookAlpha(0.05, k, 3));
    assert.deepEqual(shares.map((a) => Number(a.toFixed(6))), [0.008333, 0.016667, 0.025]);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 0.05) < 1e-12);
  });
});

describe('tune: rounds', () => {
  it('first runs CE and the coarse grid on the same 3 seeds', () => {
    const state = planTune(DEFAULT_TUNE_OPTIONS, []);
    assert.equal(state.next.kind, 'run');
    assert.equal(state.runs, 18);
    assert.deepEqual(state.rounds[0].added, [-1, 1, 2, 3, 4]);
    const runs = state.next.kind === 'run' ? state.next.runs : [];
    assert.deepEqual(runs.slice(0, 6), [null, -1, 1, 2, 3, 4].map((epsilon) => ({ epsilon, seed: 1 })));
    assert.deepEqual([...new Set(runs.map((r) => r.seed))], [1, 2, 3]);
  });

  it('asks only for the runs still missing, so a stopped search resumes where it stopped', () => {
    const first = planTune(DEFAULT_TUNE_OPTIONS, []);
    const all = first.next.kind === 'run' ? first.next.runs : [];
    const done = all.slice(0, 10).map((run) => ({ ...run, value: 0.5 }));
    const resumed = planTune(DEFAULT_TUNE_OPTIONS, done);
    assert.deepEqual(resumed.next, { kind: 'run', round: 1, runs: all.slice(10) });
    assert.equal(resumed.rounds[0].look, undefined);
  });

  it('drops ε clearly worse than the best and those that cannot beat CE, then refines around the best', () => {
    // ε = −1 is 2 points better than CE, ε ≥ 1 lose 2 points per unit of ε.
    const rng = createRng(7);
    const truth = (e: Setting): number => (e === null ? 0 : e < 0 ? 0.02 : -0.02 * e);
    const observations = planTune(DEFAULT_TUNE_OPTIONS, []).rounds[0].runs
      .map((run) => ({ ...run, value: 0.6 + truth(run.epsilon) + 0.01 * normal(rng) + 0.01 * run.seed }));
    const state = planTune(DEFAULT_TUNE_OPTIONS, observations);
    const look = state.rounds[0].look!;
    assert.equal(look.best, -1);
    const dropped = new Map(look.dropped.map((d) => [d.epsilon, d.reason]));
    assert.deepEqual([...dropped.keys()].sort(), [1, 2, 3, 4]);
    assert.deepEqual([...dropped.values()].sort(), ['cannot-beat-ce', 'cannot-beat-ce', 'worse-than-best', 'worse-than-best']);
    assert.equal(state.next.kind, 'run');
    // Round 2: CE and ε = −1 get seeds 4…, and ε = −0.5 joins on every seed.
    assert.deepEqual(state.rounds[1].added, [-0.5]);
    const round2 = state.next.kind === 'run' ? state.next.runs : [];
    assert.ok(round2.filter((r) => r.epsilon === -0.5).length === state.rounds[1].seeds.length);
    assert.ok(round2.every((r) => r.epsilon === null || r.epsilon === -1 || r.epsilon === -0.5));
  });

  it('orients a lower-is-better metric (ECE) so that lower values win', () => {
    const truth = (e: Setting): number => (e === 2 ? -0.05 : 0);
    const found = simulate(truth, 3, { ...DEFAULT_TUNE_OPTIONS, higherIsBetter: false });
    assert.equal(found.reason, 'significant');
    assert.equal(found.best?.epsilon, 2);
    assert.ok(found.best!.difference! > 0.03, 'the difference is oriented: positive is better');
  });

  it('drops an ε whose runs diverged', () => {
    const first = planTune(DEFAULT_TUNE_OPTIONS, []).rounds[0].runs;
    const observations = first.map((run, i) => ({ ...run, value: run.epsilon === 4 ? null : 0.6 + (i % 5) * 0.001 }));
    const look = planTune(DEFAULT_TUNE_OPTIONS, observations).rounds[0].look!;
    assert.deepEqual(look.dropped.find((d) => d.epsilon === 4)?.reason, 'no-results');
  });
});

describe('tune: error rate and power by simulation (200 searches each, seeded)', () => {
  it('claims a winner in at most 5 % of searches when every ε equals CE', () => {
    const results = searches(() => 0);
    const falseWinners = results.filter((r) => r.reason === 'significant').length;
    assert.ok(falseWinners <= SEARCHES * 0.05, `${falseWinners} false winners in ${SEARCHES}`);
    assert.ok(results.every((r) => r.runs <= DEFAULT_TUNE_OPTIONS.budget), 'no search goes over its budget');
  });

  it('claims a winner in at most 5 % of searches with a larger budget (more looks at more seeds)', () => {
    const results = searches(() => 0, { ...DEFAULT_TUNE_OPTIONS, budget: 80 });
    assert.ok(results.filter((r) => r.reason === 'significant').length <= SEARCHES * 0.05);
  });

  it('when every ε is worse than CE, claims no winner and often proves that none can beat CE by 0.5 points', () => {
    const results = searches((e) => (e === null ? 0 : -0.01 - 0.01 * Math.abs(e)), { ...DEFAULT_TUNE_OPTIONS, budget: 80 });
    assert.ok(results.filter((r) => r.reason === 'significant').length <= SEARCHES * 0.05);
    assert.ok(results.filter((r) => r.reason === 'no-effect').length >= SEARCHES * 0.2);
  });

  it('finds the ε that beats CE by 4 points most of the time within 40 runs, and nearly always within 80', () => {
    const truth = (e: Setting): number => (e === null ? 0 : e < 0 ? -0.04 * e : -0.015 * e);
    const found = (budget: number): number => searches(truth, { ...DEFAULT_TUNE_OPTIONS, budget })
      .filter((r) => r.reason === 'significant' && truth(r.best!.epsilon) >= 0.02).length / SEARCHES;
    assert.ok(found(40) >= 0.65, `found in ${found(40)}`);
    assert.ok(found(80) >= 0.95, `found in ${found(80)}`);
  });
});

describe('tune: words', () => {
  const scale = { percent: true };
  it('answers in one sentence', () => {
    const best: TuneBest = { epsilon: -1, n: 5, difference: 0.042, ci: { low: 0.019, high: 0.064 }, p: 0.001, pAdjusted: 0.02, significant: true };
    assert.equal(tuneAnswer({ reason: 'significant', best, runs: 23, budget: 40, minEffect: 0.005 }, scale),
      'ε = −1 beats CE by +4.2 pts [1.9, 6.4], Holm p = 0.02, 23 runs');
    assert.equal(tuneAnswer({ reason: 'no-effect', best: null, runs: 40, budget: 40, minEffect: 0.005 }, scale),
      'no ε beat CE by 0.5 pts or more within 40 runs');
    assert.equal(tuneAnswer({ reason: 'budget', best: { ...best, pAdjusted: 0.31, significant: false }, runs: 38, budget: 40, minEffect: 0.005 }, scale),
      'no ε beat CE significantly within the budget of 40 runs (38 used); closest: ε = −1, +4.2 pts [1.9, 6.4], Holm p = 0.31');
  });

  it('where lower is better (ECE), shows differences as measured, ε − CE, and names the metric, as the report does', () => {
    const ece = { percent: true, higherIsBetter: false, label: 'test ECE' };
    // The planner's difference is oriented (positive: better, here a lower ECE).
    const best: TuneBest = { epsilon: 2, n: 5, difference: 0.051, ci: { low: 0.031, high: 0.071 }, p: 0.001, pAdjusted: 0.01, significant: true };
    assert.equal(tuneAnswer({ reason: 'significant', best, runs: 30, budget: 40, minEffect: 0.005 }, ece),
      'ε = 2 beats CE: test ECE -5.1 pts [-7.1, -3.1], Holm p = 0.01, 30 runs');
    assert.equal(describeDrop({ epsilon: 4, reason: 'cannot-beat-ce', ci: { low: -0.02, high: 0.0047 } }, 0.005, ece),
      'cannot beat CE by 0.5 pts: its interval ends at -0.47, above -0.5');
  });

  it('says where the interval of a dropped ε ends, to the decimals that show it short of the effect', () => {
    const scale = { percent: true };
    assert.equal(describeDrop({ epsilon: 4, reason: 'cannot-beat-ce', ci: { low: -0.022, high: 0.0047 } }, 0.005, scale),
      'cannot beat CE by 0.5 pts: its interval ends at 0.47, below that');
    assert.equal(describeDrop({ epsilon: 4, reason: 'cannot-beat-ce', ci: { low: -0.022, high: 0.001 } }, 0.005, scale),
      'cannot beat CE by 0.5 pts: its interval ends at 0.1, below that');
    assert.equal(describeDrop({ epsilon: 4, reason: 'cannot-beat-ce' }, 0.005, scale), 'cannot beat CE by 0.5 pts: its interval ends below that', 'a tune saved before the interval was kept');
  });

  it('lists each round with the ε dropped and why', () => {
    const lines = describeRounds([{
      round: 1, runs: [], added: [-1, 4], seeds: [1, 2, 3],
      look: {
        alpha: 0.01, best: -1,
        comparisons: [
          { epsilon: 4, n: 3, difference: -0.12, ci: { low: -0.15, high: -0.09 }, p: 0.99, pAdjusted: 1 },
          { epsilon: -1, n: 3, difference: 0.03, ci: { low: -0.01, high: 0.07 }, p: 0.04, pAdjusted: 0.5 },
        ],
        dropped: [{ epsilon: 4, reason: 'worse-than-best', against: -1, difference: -0.15, ci: { low: -0.2, high: -0.1 }, pAdjusted: 0.003 }],
      },
    }], 0.005, scale);
    assert.deepEqual(lines, [
      'Round 1: 0 runs, new ε −1, 4; 3 seeds so far',
      '  ε = −1 vs CE: +3.0 pts [-1.0, 7.0], Holm p = 0.5',
      '  ε = 4 vs CE: -12.0 pts [-15.0, -9.0], Holm p = 1 — dropped, worse than ε = −1: -15.0 pts [-20.0, -10.0], Holm p = 0.003',
    ]);
  });
});
