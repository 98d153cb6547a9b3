import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { withDefaults } from '../../src/core/config';
import type { BuiltinRunConfig } from '../../src/core/runConfig';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import { describeSweepState, sweepsOf } from '../../src/core/sweepRuns';
import { isWebviewMessage, isHostMessage } from '../../src/core/viewProtocol';
import type { NewRunSettings } from '../../src/host/newRunFlow';
import {
  SWEEP_STEP_TEXT, baseCandidates, baseFromRun, baselineName, defaultBase, etaBasis, etaText, parseSweepSeeds, planOf, sizeAndEta, specOf,
  validateSweepStep, type SweepChoices,
} from '../../src/host/sweepFlow';
import { groupContextValue, stoppableRuns, sweepIdFromArg } from '../../src/host/sweepTree';
import { buildTree, type GroupNode } from '../../src/host/treeModel';
import { shownOn } from './manifestMenus';

const settings: NewRunSettings = { dataset: 'digits', model: 'mlp', epochs: 4, batchSize: 32, learningRate: 0.002, backend: 'wasm' };
const base = withDefaults({ epochs: 1, dataset: { name: 'digits', maxSamples: 400 }, loss: { type: 'ce' } });

let created = 0;
function run(id: string, patch: Omit<Partial<RunRecord>, 'config'> & { config?: Partial<BuiltinRunConfig> } = {}): RunRecord {
  const { config, ...rest } = patch;
  return {
    schemaVersion: 1, id, name: `run ${id}`, status: 'completed', createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, created++)).toISOString(),
    config: { ...base, ...config }, ...rest,
  };
}

function choices(patch: Partial<SweepChoices> = {}): SweepChoices {
  return { base, epsilonText: '-1:2:1', gammaText: '', labelSmoothingText: '', seedsText: '3', baseline: false, ...patch };
}

describe('Run Sweep: the base config', () => {
  it('offers the clicked run, the ticked runs, recent runs with other settings, then the New Run defaults', () => {
    const a = run('a', { config: { seed: 1 } });
    const b = run('b', { config: { seed: 2 } }); // same settings as a (only the seed differs)
    const c = run('c', { config: { epochs: 3, sweepId: 'sweep-x', experiment: 'e', name: 'named' } });
    const d = run('d', { config: { batchSize: 16 } });
    const defaults = defaultBase(settings);
    const offered = baseCandidates([a, b, c, d], { clickedRunId: 'c', selection: ['a', 'zzz'], defaults });
    assert.deepEqual(offered.map((o) => [o.runId, o.description]), [
      ['c', 'this run · completed'], ['a', 'ticked · completed'], ['d', 'last run · completed'], [undefined, 'from the polyloss.defaults settings'],
    ]);
    assert.match(offered[0].detail, /^digits ≤400 samples · mlp · CE · 3 epochs · batch 64$/);
    // The sweep sets its own name, sweep id and seeds; the experiment of the run is not carried over.
    assert.deepEqual(Object.keys(offered[0].config).filter((k) => ['name', 'sweepId', 'experiment'].includes(k)), []);
    assert.equal(offered[3].label, 'New Run defaults');
    assert.equal(defaults.loss.type, 'ce');
    assert.equal(defaults.epochs, 4);
    assert.equal(defaults.batchSize, 32);
    assert.equal(defaults.backend, 'wasm');
    assert.deepEqual(baseFromRun(c), { ...base, epochs: 3 });
  });

  it('names the baseline after the loss family', () => {
    assert.equal(baselineName(base), 'CE');
    assert.equal(baselineName({ ...base, loss: { type: 'poly-focal', epsilon: 1, gamma: 2 } }), 'focal');
    assert.equal(baselineName(base, { gammaText: '1,2' }), 'focal');
  });
});

describe('Run Sweep: typed grids', () => {
  it('checks each value as it is typed, with the messages of parseGrid and the sweep validation', () => {
    const c = choices();
    assert.equal(validateSweepStep('epsilon', '-1:2:1', c), undefined);
    assert.equal(validateSweepStep('epsilon', '0, 2', c), undefined);
    assert.equal(validateSweepStep('epsilon', '2:0:1', c), "ε range must look like start:stop:step with start ≤ stop and step > 0 (got '2:0:1': stop is below start)");
    assert.match(validateSweepStep('epsilon', '1,,2', c)!, /^ε must be a comma-separated list of numbers or a range start:stop:step .*found an empty entry/);
    assert.match(validateSweepStep('epsilon', '', c)!, /nothing entered/);
    assert.equal(validateSweepStep('epsilon', '0,0', c), 'ε lists 0 more than once');
    assert.equal(validateSweepStep('gamma', '', c), undefined, 'γ is optional');
    assert.equal(validateSweepStep('gamma', '0:2:1', c), undefined);
    assert.equal(validateSweepStep('gamma', '-1', c), 'γ: each value must be ≥ 0 (got -1)');
    assert.equal(validateSweepStep('labelSmoothing', '0, 1', c), 'label smoothing: each value must be in [0, 1) (got 1)');
    assert.equal(validateSweepStep('seeds', '0', c), 'seeds: one number is a count n of seeds (seeds 1…n) and must be ≥ 1; list seeds to choose them, e.g. 0,1');
    assert.match(validateSweepStep('seeds', '1,x', c)!, /seeds must be whole numbers ≥ 0/);
    // Too many runs: the message shows at the step that made them too many.
    assert.match(validateSweepStep('seeds', '1-50', choices({ epsilonText: '0:2:0.1' }))!, /sweep would create 1050 runs; at most 1000 are allowed/);
    // A later step's stored value does not block an earlier step.
    assert.equal(validateSweepStep('epsilon', '1', choices({ seedsText: 'nonsense' })), undefined);
  });

  it('every typed step has its own title, a prompt and an example that the step accepts', () => {
    const titles = new Set<string>();
    for (const [step, text] of Object.entries(SWEEP_STEP_TEXT) as [keyof typeof SWEEP_STEP_TEXT, (typeof SWEEP_STEP_TEXT)['seeds']][]) {
      titles.add(text.title);
      assert.ok(text.prompt.length > 20, step);
      const example = /^e\.g\. ([^(]+?)\s*(?:or|\(|$)/.exec(text.placeholder)?.[1];
      assert.ok(example, `${step}: placeholder "${text.placeholder}" starts with an example`);
      assert.equal(validateSweepStep(step, example, choices()), undefined, `${step}: the example "${example}" is accepted`);
    }
    assert.equal(titles.size, 4);
  });

  it('seeds are a count or a list', () => {
    assert.deepEqual(parseSweepSeeds('3'), { ok: true, value: 3 });
    assert.deepEqual(parseSweepSeeds('1, 4-6'), { ok: true, value: [1, 4, 5, 6] });
    assert.deepEqual(parseSweepSeeds('0,1'), { ok: true, value: [0, 1] });
  });

  it('the answers make the spec the CLI saves, and the plan of every run', () => {
    assert.deepEqual(specOf(choices({ gammaText: '1, 2', labelSmoothingText: '0:0.1:0.1', baseline: true })), {
      ok: true, spec: { seeds: 3, epsilon: [-1, 0, 1, 2], gamma: [1, 2], labelSmoothing: [0, 0.1], baseline: true },
    });
    const planned = planOf(choices({ epsilonText: '0,2', seedsText: '2', baseline: true }), 'sweep-t');
    assert.ok(planned.ok);
    assert.deepEqual(planned.plan.configs.map((cfg) => cfg.name), [
      'CE · seed 1', 'Poly-1 ε=0 · seed 1', 'Poly-1 ε=2 · seed 1', 'CE · seed 2', 'Poly-1 ε=0 · seed 2', 'Poly-1 ε=2 · seed 2',
    ]);
    assert.ok(planned.plan.configs.every((cfg) => cfg.sweepId === 'sweep-t' && cfg.epochs === 1 && cfg.dataset.maxSamples === 400));
    assert.match(planned.plan.notes[0], /Poly-1 ε=0 is exactly CE/);
  });
});

describe('Run Sweep: size and time shown up front', () => {
  const planned = planOf(choices({ epsilonText: '0,2', seedsText: '2' }));
  assert.ok(planned.ok);
  const configs = planned.plan.configs;
  const throughput = { samplesPerSec: 280, trainSizes: { digits: 280 }, overheadSeconds: 3, startSeconds: 0, source: 'speed of 2 recent runs like these' };

  it('counts the runs and says the ETA once the speed is known', () => {
    assert.equal(sizeAndEta(configs, { measuring: true }, 2), '4 runs (2 settings × 2 seeds) · estimating the time…');
    // 4 runs × (1 epoch × 280 samples / 280 per s + 3 s besides training) = 16 s, 2 at a time (2 cores here or more) = 8 s.
    const parallel = Math.min(2, os.availableParallelism());
    const measured = { measuring: false as const, measured: { throughput, interrupted: false } };
    assert.equal(etaText(configs, measured, 2), `about ${16 / parallel} s`);
    assert.equal(etaBasis(configs, measured, 2), 'from speed of 2 recent runs like these: 280 samples/s, 3.0 s per run besides training; 2 at a time');
    assert.equal(etaText(configs, { measuring: false, measured: { interrupted: false, error: 'no data' } }, 2), 'time unknown (the calibration run failed: no data)');
  });
});

describe('sweeps in the Runs tree and the commands', () => {
  const runs = [
    run('s1', { config: { sweepId: 'sweep-a', seed: 1 } }),
    run('s2', { status: 'running', launcherPid: 42, config: { sweepId: 'sweep-a', seed: 2 } }),
    run('s3', { status: 'queued', launcherPid: 42, config: { sweepId: 'sweep-a', seed: 3 } }),
    run('s4', { status: 'queued', launcherPid: 7, config: { sweepId: 'sweep-a', seed: 4 } }),
    run('x1', { config: { experiment: 'exp' } }),
    run('b1', { config: { sweepId: 'sweep-b' } }),
  ];

  it('a sweep group is "runGroup.sweep", ".active" while one of its runs is queued or running; experiments stay "runGroup"', () => {
    const groups = buildTree(runs).filter((n): n is GroupNode => n.kind === 'group');
    const byId = new Map(groups.map((g) => [g.id, groupContextValue(g)]));
    assert.deepEqual(Object.fromEntries(byId), { 'sweep:sweep-b': 'runGroup.sweep', 'experiment:exp': 'runGroup', 'sweep:sweep-a': 'runGroup.sweep.active' });
  });

  it('finds the sweep a command was invoked on', () => {
    const [group] = buildTree(runs).filter((n): n is GroupNode => n.kind === 'group' && n.id === 'sweep:sweep-a');
    assert.equal(sweepIdFromArg(group), 'sweep-a');
    assert.equal(sweepIdFromArg({ kind: 'group', id: 'experiment:exp', runs: [] }), undefined);
    assert.equal(sweepIdFromArg('sweep-c'), 'sweep-c');
    assert.equal(sweepIdFromArg(runs[0]), 'sweep-a');
    assert.equal(sweepIdFromArg({ kind: 'run', id: 's1', record: runs[0] }), 'sweep-a');
    assert.equal(sweepIdFromArg(runs[4]), undefined);
    assert.equal(sweepIdFromArg(undefined), undefined);
  });

  it('Stop Sweep stops this window\'s queued runs before its running ones, and names the others', () => {
    const { mine, elsewhere } = stoppableRuns(runs, 'sweep-a', 42);
    assert.deepEqual(mine.map((r) => r.id), ['s3', 's2']);
    assert.deepEqual(elsewhere.map((r) => r.id), ['s4']);
  });

  it('lists sweeps newest first with their state in words', () => {
    assert.deepEqual(sweepsOf(runs).map((s) => [s.sweepId, s.live, describeSweepState(s.runs)]), [
      ['sweep-b', 0, '1 run: 1 completed'],
      ['sweep-a', 3, '4 runs: 1 completed, 1 running, 2 queued'],
    ]);
    const statuses: RunStatus[] = ['failed', 'diverged', 'cancelled'];
    assert.equal(describeSweepState(statuses.map((status, i) => run(`z${i}`, { status }))), '3 runs: 1 diverged, 1 failed, 1 cancelled');
  });
});

describe('manifest and protocol for sweeps', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

  it('declares the sweep commands and shows them where they apply', () => {
    const titles = new Map(manifest.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
    assert.equal(titles.get('polyloss.runSweep'), 'Run Sweep…');
    assert.equal(titles.get('polyloss.stopSweep'), 'Stop Sweep');
    assert.equal(titles.get('polyloss.resumeSweep'), 'Resume Sweep');
    assert.equal(titles.get('polyloss.showSweep'), 'Show Sweep Statistics');
    assert.ok(shownOn('polyloss.stopSweep', 'runGroup.sweep.active'));
    assert.ok(!shownOn('polyloss.stopSweep', 'runGroup.sweep'));
    assert.ok(!shownOn('polyloss.stopSweep', 'runGroup'));
    for (const value of ['runGroup.sweep', 'runGroup.sweep.active']) {
      assert.ok(shownOn('polyloss.resumeSweep', value), value);
      assert.ok(shownOn('polyloss.showSweep', value), value);
      assert.ok(shownOn('polyloss.openRun', value), `Open in Dashboard still on ${value}`);
      assert.ok(shownOn('polyloss.exportRuns', value), `Export still on ${value}`);
    }
    assert.ok(!shownOn('polyloss.resumeSweep', 'runGroup'), 'not on experiment groups');
    assert.ok(shownOn('polyloss.openRun', 'runGroup'));
    assert.ok(shownOn('polyloss.runSweep', 'run.completed'), 'a sweep can start from a run');
  });

  it('the dashboard may be focused on its Sweep tab and may ask to save JSON', () => {
    assert.ok(isHostMessage({ type: 'focus', focus: { runIds: ['a'], tab: 'sweep' } }));
    assert.ok(isWebviewMessage({ type: 'exportJson', json: '{}\n', fileName: 'polyloss-sweep-20260101-000000-abcdef-test.json' }));
    assert.equal(isWebviewMessage({ type: 'exportJson', json: '{}', fileName: '../x.json' }), false);
    assert.equal(isWebviewMessage({ type: 'exportJson', json: 3, fileName: 'x.json' }), false);
  });
});

describe('Run Sweep… on a run of your own script', () => {
  it('offers the script run as a base, plans ε × seeds for its command, and says its time is unknown', () => {
    const scriptConfig = { command: { argv: ['python3', 'train.py'], cwd: '/w' }, loss: { type: 'poly' as const, epsilon: 1 }, seed: 1 };
    const record: RunRecord = { schemaVersion: 1, id: 'script-1', name: 'train.py · Poly-1 ε=1, seed 1', status: 'completed', createdAt: '2026-12-06T10:00:00Z', config: scriptConfig };
    const [candidate] = baseCandidates([record], { clickedRunId: 'script-1', defaults: base });
    assert.equal(candidate.detail, 'python3 train.py · Poly-1 ε=1');
    const planned = planOf({ base: candidate.config, epsilonText: '0, 2', gammaText: '', labelSmoothingText: '', seedsText: '2', baseline: true });
    assert.ok(planned.ok, JSON.stringify(planned));
    assert.deepEqual(planned.plan.configs.map((c) => [c.command?.argv.join(' '), c.loss.type, c.loss.epsilon, c.seed]), [
      ['python3 train.py', 'ce', undefined, 1], ['python3 train.py', 'poly', 0, 1], ['python3 train.py', 'poly', 2, 1],
      ['python3 train.py', 'ce', undefined, 2], ['python3 train.py', 'poly', 0, 2], ['python3 train.py', 'poly', 2, 2],
    ]);
    const speed = { measuring: false as const, measured: { interrupted: false, unknowable: 'the time of your own script is not known beforehand' } };
    assert.equal(etaText(planned.plan.configs, speed, 2), 'time unknown (the time of your own script is not known beforehand)');
  });
});
