import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  buildConfigs, initialChoices, modelFits, parseSeeds, runsToStart, stepsFor, summaryOf, validateScriptCommand, validateStep, warningFor, type NewRunSettings,
} from '../../src/host/newRunFlow';

const settings: NewRunSettings = { dataset: 'digits', model: 'mlp', epochs: 10, batchSize: 32, learningRate: 0.005, backend: 'wasm' };

describe('New Run steps', () => {
  it('ask for coefficients only where the loss has them', () => {
    assert.deepEqual(stepsFor('ce'), ['dataset', 'model', 'loss', 'epochs', 'seeds']);
    assert.deepEqual(stepsFor('poly'), ['dataset', 'model', 'loss', 'epsilon', 'epochs', 'seeds']);
    assert.deepEqual(stepsFor('focal'), ['dataset', 'model', 'loss', 'gamma', 'epochs', 'seeds']);
    assert.deepEqual(stepsFor('poly-focal'), ['dataset', 'model', 'loss', 'gamma', 'epsilon', 'epochs', 'seeds']);
  });

  it('start from the settings, then from the last run\'s answers', () => {
    const first = initialChoices(settings);
    assert.equal(first.dataset, 'digits');
    assert.equal(first.epochsText, '10');
    assert.equal(first.epsilonText, '2');
    const again = initialChoices(settings, { dataset: 'iris', epsilonText: '-1', epochsText: '3', lossType: 'focal', seedsText: 42 as unknown as string });
    assert.equal(again.dataset, 'iris');
    assert.equal(again.epsilonText, '-1');
    assert.equal(again.lossType, 'focal');
    assert.equal(again.seedsText, '1', 'a saved value of the wrong type is ignored');
  });
});

describe('validation as you type', () => {
  const choices = initialChoices(settings);

  it('explains a bad ε with the accepted forms', () => {
    for (const text of ['abc', '1,,2', '', Array.from({ length: 33 }, () => '1').join(',')]) {
      const message = validateStep('epsilon', text, choices, settings);
      assert.ok(message?.startsWith('ε must be a number or a comma-separated list of at most 32 numbers'), `${text}: ${message}`);
    }
    assert.equal(validateStep('epsilon', '2', choices, settings), undefined);
    assert.equal(validateStep('epsilon', '1, 0.5, -0.2', choices, settings), undefined);
  });

  it('warns, without blocking, when ε < −1 makes Poly-1 non-monotone', () => {
    assert.equal(validateStep('epsilon', '-2', choices, settings), undefined);
    assert.match(warningFor('epsilon', '-2', choices, settings) ?? '', /no longer monotone/);
    assert.equal(warningFor('epsilon', '2', choices, settings), undefined);
  });

  it('checks epochs and γ against the run config\'s ranges, quoting what was typed', () => {
    assert.equal(validateStep('epochs', '0', choices, settings), 'epochs must be an integer in [1, 10000] (got 0)');
    assert.equal(validateStep('epochs', 'ten', choices, settings), 'epochs must be an integer in [1, 10000] (got "ten")');
    assert.equal(validateStep('epochs', '5', choices, settings), undefined);
    const focal = { ...choices, lossType: 'focal' as const };
    assert.match(validateStep('gamma', '-1', focal, settings) ?? '', /^loss\.gamma must be/);
    assert.equal(validateStep('gamma', '0.5', focal, settings), undefined);
  });

  it('accepts seeds as a list or a range', () => {
    assert.deepEqual(parseSeeds('1,2,3'), { ok: true, seeds: [1, 2, 3] });
    assert.deepEqual(parseSeeds(' 4-6, 1, 5'), { ok: true, seeds: [4, 5, 6, 1] });
    for (const bad of ['', '1,,2', '-1', '3-1', '1.5', 'x', '1-100']) assert.equal(parseSeeds(bad).ok, false, bad);
    assert.match(validateStep('seeds', '1,a', choices, settings) ?? '', /seeds must be whole numbers/);
  });

  it('the seeds step says how many runs will start', () => {
    assert.equal(runsToStart('1-3'), '→ 3 runs will start (seeds 1, 2, 3)');
    assert.equal(runsToStart('7'), '→ 1 run will start (seed 7)');
    assert.equal(runsToStart('1,,2'), undefined);
  });

  it('offers a CNN only for image datasets', () => {
    assert.equal(modelFits('cnn', { ...choices, dataset: 'digits' }, settings), true);
    assert.equal(modelFits('cnn', { ...choices, dataset: 'iris' }, settings), false);
    assert.equal(modelFits('mlp', { ...choices, dataset: 'iris' }, settings), true);
  });
});

describe('the configs New Run starts', () => {
  it('are one per seed, with the settings New Run does not ask for', () => {
    const result = buildConfigs({ ...initialChoices(settings), epsilonText: '2', epochsText: '2', seedsText: '1,2,3' }, settings);
    assert.ok(result.ok);
    assert.deepEqual(result.configs.map((c) => c.seed), [1, 2, 3]);
    for (const c of result.configs) {
      assert.deepEqual(c.loss, { type: 'poly', epsilon: 2 });
      assert.equal(c.epochs, 2);
      assert.equal(c.batchSize, 32);
      assert.equal(c.optimizer.learningRate, 0.005);
      assert.equal(c.backend, 'wasm');
      assert.equal(c.dataset.name, 'digits');
    }
  });

  it('carry Poly-N coefficients, γ, and the files of a CSV dataset', () => {
    const result = buildConfigs({
      ...initialChoices(settings), dataset: 'csv', datasetPath: '/data/x.csv', lossType: 'poly-focal', gammaText: '1.5', epsilonText: '1, -0.5',
    }, settings);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.configs[0].loss, { type: 'poly-focal', epsilon: [1, -0.5], gamma: 1.5 });
    assert.equal(result.configs[0].dataset?.path, '/data/x.csv');
    assert.equal(result.configs[0].dataset?.labelsPath, undefined);
  });

  it('report what is wrong instead of starting a bad run', () => {
    const result = buildConfigs({ ...initialChoices(settings), dataset: 'idx', datasetPath: '/i.gz' }, settings);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.message, /dataset\.labelsPath is required/);
  });

  it('summarise the answers in the last step\'s title', () => {
    assert.equal(summaryOf({ ...initialChoices(settings), epochsText: '2' }, settings), 'digits · mlp · Poly-1 ε=2 · 2 epochs');
  });
});

describe('New Run with your own script', () => {
  const script = { ...initialChoices(settings), trainer: 'script' as const, scriptCommand: 'python3 train.py --tag "a b"', scriptCwd: '/w/exp' };

  it('asks for the script instead of the dataset, model and epochs', () => {
    assert.deepEqual(stepsFor('poly', 'script'), ['dataset', 'loss', 'epsilon', 'seeds']);
    assert.deepEqual(stepsFor('ce', 'script'), ['dataset', 'loss', 'seeds']);
  });

  it('makes one command run per seed, with the loss and the script\'s folder', () => {
    const result = buildConfigs({ ...script, lossType: 'poly', epsilonText: '1', seedsText: '1-2' }, settings);
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.configs, [1, 2].map((seed) => ({
      command: { argv: ['python3', 'train.py', '--tag', 'a b'], cwd: '/w/exp' }, loss: { type: 'poly', epsilon: 1 }, seed,
    })));
    assert.equal(summaryOf({ ...script, lossType: 'ce' }, settings), 'train.py · CE');
  });

  it('refuses a command line that cannot be split, and remembers the script for the next New Run', () => {
    assert.equal(validateScriptCommand('python3 "train.py'), 'the command has an unclosed " quote');
    assert.equal(validateScriptCommand('  '), 'the command is empty');
    assert.equal(validateScriptCommand('python3 train.py'), undefined);
    const bad = buildConfigs({ ...script, scriptCommand: '' }, settings);
    assert.match(bad.ok ? '' : bad.message, /command\.argv must be a list of at least 1/);
    assert.deepEqual(initialChoices(settings, { trainer: 'script', scriptCommand: 'python3 fit.py' }).trainer, 'script');
    assert.equal(initialChoices(settings, { trainer: 'script' }).trainer, 'builtin', 'no command remembered: the built-in engine');
  });
});
