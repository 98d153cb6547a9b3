import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { RUN_SCHEMA_VERSION, type StepMetric } from '../../src/core/runFormat';
import { LiveRuns, expectedStepRate } from '../../src/host/liveProgress';

const environment = { backend: 'wasm', tfjsVersion: '4.22.0', nodeVersion: 'v20', platform: 'linux' };

function started(runId: string, name: string, totalSteps: number, epochs = 10) {
  const record = { schemaVersion: RUN_SCHEMA_VERSION, id: runId, name, config: { ...DEFAULT_CONFIG, epochs }, status: 'running' as const, createdAt: 't' };
  return { type: 'started' as const, runId, environment, totalSteps, record };
}

/** A batch of steps whose last one is `last`, logged `t` ms after the run started. */
function steps(runId: string, last: number, epoch: number, t = 0) {
  const step: StepMetric = { kind: 'step', step: last, epoch, t, loss: 1, base: 1, poly: 0, acc: 0.5 };
  return { type: 'steps' as const, runId, steps: [step] };
}

describe('live progress', () => {
  it('estimates the time left from the step rate', () => {
    let now = 0;
    const live = new LiveRuns();
    live.apply(started('r', 'Poly-1 ε=2', 1000));
    now = 1000;
    live.apply(steps('r', 100, 1, now));
    assert.equal(live.etaSeconds('r'), undefined, 'one batch gives no rate yet');
    now = 3000;
    live.apply(steps('r', 300, 2, now)); // 200 steps in 2 s → 700 steps left take 7 s
    assert.equal(live.etaSeconds('r'), 7);
    assert.equal(live.progressText('r'), 'epoch 2/10 · step 300/1000 · about 7 s left');
    assert.equal(live.statusText(), '$(loading~spin) Poly-1 ε=2: epoch 2/10 · step 300/1000 · about 7 s left');
  });

  it('leaves the slow first steps out of the estimate once the run has trained a few seconds', () => {
    let now = 0;
    const live = new LiveRuns();
    live.apply(started('r', 'R', 1400));
    // Warm-up: 20 steps in the first 2 s, then 100 steps/s.
    live.apply(steps('r', 0, 1, now));
    for (let t = 1; t <= 10; t++) {
      now = t * 1000;
      live.apply(steps('r', t <= 2 ? t * 10 : 20 + (t - 2) * 100, 1, now));
    }
    // 820 steps done, 580 left at 100/s (a rate since the first batch, 82/s, would say 7.1 s).
    assert.equal(live.etaSeconds('r'), 5.8);
  });

  it('uses the speed of finished runs like it until its own speed is measured', () => {
    const live = new LiveRuns(() => 50);
    live.apply(started('r', 'R', 1000));
    assert.equal(live.etaSeconds('r'), 20, 'from the start: 1000 steps at 50 steps/s');
    live.apply(steps('r', 10, 1, 500));
    assert.equal(live.etaSeconds('r'), 990 / 50, 'one batch gives no rate of its own');
    live.apply(steps('r', 210, 1, 1500));
    assert.equal(live.etaSeconds('r'), 3.95, 'two batches do: 200 steps in 1 s, 790 left');
  });

  it('takes the expected speed from the completed runs with the same data, model, batch size and backend', () => {
    const finished = (id: string, samplesPerSec: number, config = DEFAULT_CONFIG) => ({
      schemaVersion: RUN_SCHEMA_VERSION, id, name: id, config, status: 'completed' as const,
      createdAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:14.000Z',
      data: { numClasses: 10, classNames: [], inputShape: [8, 8, 1], train: 1259, validation: 269, test: 269, notes: [] },
      summary: { steps: 400, epochs: 10, samplesPerSec },
    });
    const runs = [finished('a', 3000), finished('b', 3200), finished('c', 9000, { ...DEFAULT_CONFIG, model: { type: 'cnn' } })];
    const record = started('r', 'R', 400).record;
    assert.equal(expectedStepRate(runs, record), 3100 / DEFAULT_CONFIG.batchSize, 'the median of the two mlp runs, in steps');
    assert.equal(expectedStepRate(runs.slice(2), record), undefined, 'a cnn run says nothing about an mlp run');
    assert.equal(expectedStepRate(runs, { ...record, config: { command: { argv: ['python3', 'train.py'] }, loss: { type: 'ce' }, seed: 1 } }), undefined);
  });

  it('summarises several runs and queued ones; the slowest decides the ETA', () => {
    let now = 0;
    const live = new LiveRuns();
    live.apply(started('a', 'A', 100));
    live.apply(started('b', 'B', 100));
    live.markQueued('c');
    live.apply(steps('a', 10, 1, now));
    live.apply(steps('b', 10, 1, now));
    now = 1000;
    live.apply(steps('a', 60, 1, now)); // 40 left at 50/s → 0.8 s
    live.apply(steps('b', 20, 1, now)); // 80 left at 10/s → 8 s
    assert.equal(live.statusText(), '$(loading~spin) PolyLoss: 2 running · 1 queued · about 8 s left');
    assert.equal(live.tooltipLines().length, 2);
  });

  it('forgets runs that end, and has nothing to show when idle', () => {
    const live = new LiveRuns();
    live.apply(started('a', 'A', 100));
    assert.ok(live.get('a'));
    live.apply({ type: 'finished', runId: 'a', status: 'completed', summary: { steps: 100, epochs: 10 } });
    assert.equal(live.get('a'), undefined);
    assert.equal(live.statusText(), undefined);
    live.markQueued('q');
    assert.equal(live.statusText(), '$(watch) PolyLoss: 1 queued');
    live.forget('q');
    assert.equal(live.statusText(), undefined);
  });

  it('keeps the last validation accuracy for the tree', () => {
    const live = new LiveRuns();
    live.apply(started('a', 'A', 100));
    live.apply({ type: 'epoch', runId: 'a', epoch: { kind: 'epoch', epoch: 1, step: 10, t: 0, trainLoss: 1, valLoss: 1, valAcc: 0.42, pt: { mean: 0, q25: 0, q50: 0, q75: 0 } } });
    assert.equal(live.get('a')?.lastValAcc, 0.42);
  });
});
