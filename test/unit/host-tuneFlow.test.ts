import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { withDefaults } from '../../src/core/config';
import { DEFAULT_TUNE_TEXT, budgetHint, tuneSettingsOfChoices, validateTuneStep, type TuneChoices } from '../../src/host/tuneFlow';

const choices = (patch: Partial<TuneChoices> = {}): TuneChoices => ({ base: withDefaults({ loss: { type: 'ce' } }), ...DEFAULT_TUNE_TEXT, ...patch });

describe('Find Best ε wizard rules', () => {
  it('proposes the range −1:4, a budget of 40 runs and a minimum effect of 0.5 points', () => {
    assert.deepEqual({ ...DEFAULT_TUNE_TEXT }, { rangeText: '-1:4', budgetText: '40', minEffectText: '0.5' });
    const settings = tuneSettingsOfChoices(choices());
    assert.ok(settings.ok);
    assert.deepEqual(settings.value.options.range, { min: -1, max: 4 });
    assert.equal(settings.value.options.budget, 40);
    assert.equal(settings.value.options.minEffect, 0.005, 'points of accuracy become a fraction');
    assert.equal(settings.value.metric, 'test');
  });

  it('checks the ε range as it is typed: two numbers, not empty, not below −1', () => {
    assert.equal(validateTuneStep('range', '-0.5:2', choices()), undefined);
    assert.equal(validateTuneStep('range', '−1..4', choices()), undefined, 'a real minus sign and ".." are fine');
    assert.match(validateTuneStep('range', '2', choices())!, /two numbers MIN:MAX/);
    assert.match(validateTuneStep('range', '3:1', choices())!, /range 3\.\.1 is empty/);
    assert.match(validateTuneStep('range', '-2:1', choices())!, /below -1, where Poly-1 is no longer monotone/);
  });

  it('refuses a budget too small for the first round of the range typed before it, and says what the first round takes', () => {
    assert.match(validateTuneStep('budget', '17', choices())!, /budget of 17 runs is too small for the first round, which takes 18 runs/);
    // ε −1, −0.5, 0.5, 1 and CE × 3 seeds = 15 runs.
    assert.equal(validateTuneStep('budget', '15', choices({ rangeText: '-1:1' })), undefined);
    assert.match(validateTuneStep('budget', '14', choices({ rangeText: '-1:1' }))!, /which takes 15 runs/);
    assert.match(validateTuneStep('budget', '4.5', choices())!, /whole number of runs/);
  });

  it('refuses a minimum effect that is not a number of points in [0, 100]', () => {
    assert.equal(validateTuneStep('minEffect', '1', choices()), undefined);
    assert.match(validateTuneStep('minEffect', 'abc', choices())!, /a number of points/);
    // As typed, in points: the planner's fraction (-0.01) is not what the user wrote.
    assert.equal(validateTuneStep('minEffect', '-1', choices()), 'the minimum effect must be a number of points in [0, 100] for test acc (got -1)');
    assert.match(validateTuneStep('minEffect', '150', choices())!, /in \[0, 100\] for test acc \(got 150\)/);
  });

  it('tells the budget step how many runs the first round takes', () => {
    assert.match(budgetHint('-1:4')!, /the first round takes 18 runs/);
    assert.match(budgetHint('-1:1')!, /the first round takes 15 runs/);
    assert.equal(budgetHint('nonsense'), undefined);
  });
});
