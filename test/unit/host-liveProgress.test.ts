import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { RUN_SCHEMA_VERSION, type StepMetric } from '../../src/core/runFormat';
import { LiveRuns, formatDuration } from '../../src/host/liveProgress';

const environment = { backend: 'wasm', tfjsVersion: '4.22.0', nodeVersion: 'v20', platform: 'linux' };

function started(runId: string, name: string, totalSteps: number, epochs = 10) {
  const record = { schemaVersion: RUN_SCHEMA_VERSION, id: runId, name, config: { ...DEFAULT_CONFIG, epochs }, status: 'running' as const, createdAt: 't' };
  return { type: 'started' as const, runId, environment, totalSteps, record };
}

function steps(runId: string, last: number, epoch: number) {
  const step: StepMetric = { kind: 'step', step: last, epoch, t: 0, loss: 1, base: 1, poly: 0, acc: 0.5 };
  return { type: 'steps' as const, runId, steps: [step] };
}

describe('live progress', () => {
  it('estimates the time left from the step rate', () => {
    let now = 0;
    const live = new LiveRuns(() => now);
    live.apply(started('r', 'Poly-1 ε=2', 1000));
    now = 1000;
    live.apply(steps('r', 100, 1));
    assert.equal(live.etaSeconds('r'), undefined, 'one batch gives no rate yet');
    now = 3000;
    live.apply(steps('r', 300, 2)); // 200 steps in 2 s → 700 steps left take 7 s
    assert.equal(live.etaSeconds('r'), 7);
    assert.equal(live.progressText('r'), 'epoch 2/10 · step 300/1000 · ETA 0:07');
    assert.equal(live.statusText(), '$(loading~spin) Poly-1 ε=2: epoch 2/10 · step 300/1000 · ETA 0:07');
  });

  it('summarises several runs and queued ones; the slowest decides the ETA', () => {
    let now = 0;
    const live = new LiveRuns(() => now);
    live.apply(started('a', 'A', 100));
    live.apply(started('b', 'B', 100));
    live.markQueued('c');
    live.apply(steps('a', 10, 1));
    live.apply(steps('b', 10, 1));
    now = 1000;
    live.apply(steps('a', 60, 1)); // 40 left at 50/s → 0.8 s
    live.apply(steps('b', 20, 1)); // 80 left at 10/s → 8 s
    assert.equal(live.statusText(), '$(loading~spin) PolyLoss: 2 running · 1 queued · ETA 0:08');
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

  it('formats durations as m:ss or h:mm:ss', () => {
    assert.equal(formatDuration(75), '1:15');
    assert.equal(formatDuration(3725), '1:02:05');
    assert.equal(formatDuration(0.4), '0:00');
  });
});
