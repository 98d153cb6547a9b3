import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withDefaults } from '../../src/core/config';
import { csvCell, csvLines } from '../../src/core/csv';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import { describeSweepSize, parseGrid, planSweep, resumeSweep } from '../../src/core/sweep';
import { headerOf } from '../../src/cli/runTable';
import { sweepEstimate, estimateSeconds, recentThroughput } from '../../src/runner/sweepEstimate';
import {
  listSavedSweeps, loadSweep, newSavedSweep, removeSavedSweep, saveSweep, sweepFilePath, SweepFileError,
} from '../../src/store/sweepFiles';

/** What the CLI and VS Code share for sweeps: grids as typed, saved sweeps, resume, the size and time of a sweep. */

const base = withDefaults({ epochs: 2, dataset: { name: 'digits', maxSamples: 400 } });

function grid(text: string, field = 'ε'): number[] {
  const result = parseGrid(text, field);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.value;
}

function gridError(text: string, field = 'ε'): string {
  const result = parseGrid(text, field);
  assert.equal(result.ok, false, `'${text}' was accepted`);
  return result.ok ? '' : result.message;
}

test('a grid is a list or a range, with messages that name the field and the accepted forms', () => {
  assert.deepEqual(grid('-1, 0, 1, 2'), [-1, 0, 1, 2]);
  assert.deepEqual(grid('[0.5,1]'), [0.5, 1]);
  assert.deepEqual(grid('\u22121,2'), [-1, 2]);
  assert.deepEqual(grid('-1:2:1'), [-1, 0, 1, 2]);
  assert.deepEqual(grid('2'), [2]);
  // More values than Poly-N has terms: a grid is not an ε list of one loss.
  assert.equal(grid(Array.from({ length: 40 }, (_, i) => i).join(',')).length, 40);
  assert.equal(gridError('1, x', 'γ'), "γ must be a comma-separated list of numbers or a range start:stop:step (got '1, x': \"x\" is not a number)");
  assert.match(gridError('1,,2'), /found an empty entry/);
  assert.match(gridError(''), /nothing entered/);
  assert.equal(gridError('2:1:1'), "ε range must look like start:stop:step with start ≤ stop and step > 0 (got '2:1:1': stop is below start)");
  assert.match(gridError('0:100:0.001'), /gives 100001 values; at most 1000 are allowed/);
});

test('the size of a sweep in words counts settings and seeds', () => {
  const plan = planSweep({ epsilon: [0, 1, 2], seeds: 2, baseline: true }, base, 's');
  assert.equal(describeSweepSize(plan.configs), '8 runs (4 settings × 2 seeds)');
  assert.equal(describeSweepSize(plan.configs.slice(0, 1)), '1 run (1 setting × 1 seed)');
});

const record = (config: RunRecord['config'], status: RunStatus, id = `r${Math.random()}`): RunRecord => ({
  schemaVersion: 1, id, name: id, config, status, createdAt: '2026-01-01T00:00:00.000Z',
});

test('resume: runs of the sweep that are done or still going are not trained again; other sweeps do not count', () => {
  const spec = { epsilon: [0, 2], seeds: 2 };
  const { configs } = planSweep(spec, base, 'sweep-a');
  const runs = [
    record(configs[0], 'completed'),
    record(configs[1], 'diverged'),
    record(configs[2], 'cancelled'),
    record({ ...configs[3], sweepId: 'sweep-b' }, 'completed'),
  ];
  const { plan, todo } = resumeSweep(spec, base, 'sweep-a', runs);
  assert.equal(plan.configs.length, 4);
  assert.deepEqual(todo, [configs[2], configs[3]]);
  assert.deepEqual(resumeSweep(spec, base, 'sweep-a', [...runs, record(configs[2], 'running'), record(configs[3], 'queued')]).todo, []);
});

test('saved sweeps: written atomically inside the runs folder, listed, read back, and explained when unusable', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-sweepfiles-'));
  try {
    const runsDir = path.join(root, '.polyloss', 'runs');
    assert.deepEqual(listSavedSweeps(runsDir), []);
    const spec = { epsilon: [0, 2], seeds: 2, baseline: true };
    const saved = newSavedSweep('sweep-20260101-000000-aaaaaa', spec, base, new Date('2026-01-01T00:00:00Z'));
    const file = saveSweep(runsDir, saved);
    assert.equal(file, path.join(runsDir, '.sweeps', 'sweep-20260101-000000-aaaaaa.json'));
    assert.equal(sweepFilePath(runsDir, saved.sweepId), file);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), saved);
    saveSweep(runsDir, { ...saved, sweepId: 'sweep-20260102-000000-bbbbbb' });
    assert.deepEqual(listSavedSweeps(runsDir), ['sweep-20260101-000000-aaaaaa', 'sweep-20260102-000000-bbbbbb']);
    assert.deepEqual(loadSweep(runsDir, saved.sweepId), saved);

    const failure = (id: string): string => {
      try {
        loadSweep(runsDir, id);
      } catch (e) {
        assert.ok(e instanceof SweepFileError);
        return e.message;
      }
      return assert.fail(`${id} was read`);
    };
    assert.match(failure('../x'), /'..\/x' is not a sweep id/);
    assert.match(failure('sweep-nope'), /no saved sweep 'sweep-nope' \(looked for .*sweep-nope\.json\); recent sweeps: sweep-20260101-000000-aaaaaa, sweep-20260102-000000-bbbbbb/);
    fs.writeFileSync(sweepFilePath(runsDir, 'broken'), '{');
    assert.match(failure('broken'), /broken\.json is not valid JSON/);
    fs.writeFileSync(sweepFilePath(runsDir, 'bad-spec'), JSON.stringify({ ...saved, spec: { seeds: 0 } }));
    assert.match(failure('bad-spec'), /bad-spec\.json has no valid sweep spec:\nerror: sweep\.seeds/);
    fs.writeFileSync(sweepFilePath(runsDir, 'bad-base'), JSON.stringify({ ...saved, base: { ...base, epochs: 0 } }));
    assert.match(failure('bad-base'), /bad-base\.json has no valid base config:\nerror: epochs/);

    removeSavedSweep(runsDir, 'sweep-20260102-000000-bbbbbb');
    removeSavedSweep(runsDir, 'sweep-20260102-000000-bbbbbb');
    assert.ok(!listSavedSweeps(runsDir).includes('sweep-20260102-000000-bbbbbb'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('the estimate: recent runs like these set the speed and the start-up cost; the basis says where it comes from', () => {
  const finished = (samplesPerSec: number, wallSeconds: number, createdAt: string, config = base): RunRecord => ({
    ...record(config, 'completed'),
    createdAt,
    endedAt: new Date(Date.parse(createdAt) + wallSeconds * 1000).toISOString(),
    data: { numClasses: 10, train: 280, validation: 60, test: 60, inputShape: [64] },
    summary: { steps: 10, epochs: 2, samplesPerSec },
  });
  const runs = [
    finished(1000, 3.56, '2026-01-01T00:00:00.000Z'),
    finished(2000, 9, '2026-01-01T00:01:00.000Z'),
    finished(3000, 9, '2026-01-01T00:02:00.000Z'),
    // Another model trains at another speed: not counted.
    finished(10, 100, '2026-01-01T00:03:00.000Z', { ...base, model: { type: 'mlp', hidden: [512] } }),
  ];
  const throughput = recentThroughput(runs, { ...base, loss: { type: 'ce' }, seed: 9 });
  assert.ok(throughput);
  assert.equal(throughput.samplesPerSec, 2000);
  assert.deepEqual(throughput.trainSizes, { digits: 280 });
  // 3.56 s wall − 2 epochs × 280 / 2000 = 3.28 s: the smallest overhead, the run that did not wait.
  assert.ok(Math.abs(throughput.overheadSeconds - 3.28) < 1e-9);
  assert.equal(throughput.source, 'speed of 3 recent runs like these');

  const configs = planSweep({ epsilon: [0, 2], seeds: 2 }, base, 's').configs;
  const seconds = (4 * 2 * 280 / 2000 + 4 * throughput.overheadSeconds) / Math.min(2, os.availableParallelism());
  assert.ok(Math.abs(estimateSeconds(configs, throughput, 2)! - seconds) < 1e-9);
  const estimate = sweepEstimate(configs, { throughput, interrupted: false }, 2);
  assert.ok(Math.abs(estimate.seconds! - seconds) < 1e-9);
  assert.equal(estimate.basis, 'from speed of 3 recent runs like these: 2,000 samples/s, 3.3 s per run besides training');
  assert.deepEqual(sweepEstimate(configs, { interrupted: false, error: 'no such file' }, 2), { basis: 'the calibration run failed: no such file' });
  assert.equal(recentThroughput(runs, { ...base, batchSize: 8 }), undefined);
  // Runs on as many threads as the sweep's set its speed when there are some; else the others do.
  assert.equal(recentThroughput(runs, base, 2)?.samplesPerSec, 2000);
  const onTwo = { ...finished(6000, 1, '2026-01-01T00:04:00.000Z'), environment: { threads: 2 } } as RunRecord;
  assert.equal(recentThroughput([...runs, onTwo], base, 2)?.samplesPerSec, 6000);
  assert.equal(recentThroughput([...runs, onTwo], base, 1)?.samplesPerSec, 2000);

  // A calibration's start-up is paid once, not by every run: warm workers take the sweep's runs.
  const calibrated = { ...throughput, startSeconds: 1.5, source: 'a short calibration run' };
  assert.ok(Math.abs(estimateSeconds(configs, calibrated, 2)! - (1.5 + seconds)) < 1e-9);
  assert.match(sweepEstimate(configs, { throughput: calibrated, interrupted: false }, 2).basis, /3\.3 s per run besides training, 1\.5 s to start$/);
});

test('one CSV escaper: quotes when needed, empties missing numbers, keeps formulas from running', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('-1 0 2'), '-1 0 2', 'a list of numbers stays as it is');
  assert.equal(csvCell(-0.5), '-0.5');
  assert.equal(csvCell(NaN), '');
  assert.equal(csvCell(Infinity), '');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvLines([['a', 'b'], [1, 'x,y']]), 'a,b\n1,"x,y"\n');
});

test('table headers are in capitals except Greek letters: ε stays ε', () => {
  assert.equal(headerOf('ε'), 'ε');
  assert.equal(headerOf('γ'), 'γ');
  assert.equal(headerOf('label smoothing'), 'LABEL SMOOTHING');
  assert.equal(headerOf('seed'), 'SEED');
});
