import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BuiltinRunConfig } from '../../src/core/runConfig';
import type { EpochMetric, StepMetric } from '../../src/core/runFormat';
import { selectBackend } from '../../src/training/backend';
import { buildModel } from '../../src/training/models';
import { train, type TrainResult, type TrainStartInfo } from '../../src/training/train';

const BASE: BuiltinRunConfig = {
  dataset: { name: 'digits', validationFraction: 0.15, testFraction: 0.15 },
  model: { type: 'mlp', hidden: [64] },
  loss: { type: 'ce' },
  optimizer: { type: 'adam', learningRate: 0.01 },
  batchSize: 64,
  epochs: 2,
  seed: 3,
  backend: 'wasm',
};

interface Recorded {
  result: TrainResult;
  started: TrainStartInfo;
  steps: StepMetric[];
  epochs: EpochMetric[];
  stepBatches: number;
  tensorsAtEpochs: number[];
}

async function record(config: BuiltinRunConfig, shouldStop?: (steps: number) => boolean): Promise<Recorded> {
  const steps: StepMetric[] = [];
  const epochs: EpochMetric[] = [];
  const tensorsAtEpochs: number[] = [];
  let started: TrainStartInfo | undefined;
  let stepBatches = 0;
  const result = await train(config, {
    onStarted: (info) => { started = info; },
    onSteps: (batch) => { stepBatches++; steps.push(...batch); },
    onEpoch: (epoch) => { epochs.push(epoch); tensorsAtEpochs.push(tf.memory().numTensors); },
    shouldStop: () => shouldStop?.(steps.length) ?? false,
  });
  assert.ok(started, 'onStarted was called');
  return { result, started, steps, epochs, stepBatches, tensorsAtEpochs };
}

function assertHealthyRun(run: Recorded, config: BuiltinRunConfig): void {
  const { result, started, steps, epochs } = run;
  assert.equal(result.status, 'completed');
  const expectedSteps = config.epochs * Math.ceil(started.data.train / config.batchSize);
  assert.equal(started.totalSteps, expectedSteps);
  assert.equal(steps.length, expectedSteps);
  assert.equal(result.summary.steps, expectedSteps);
  assert.deepEqual(steps.map((s) => s.step), Array.from({ length: expectedSteps }, (_, i) => i + 1));
  assert.equal(epochs.length, config.epochs);
  assert.deepEqual(epochs.map((e) => e.step), Array.from({ length: config.epochs }, (_, i) => (i + 1) * expectedSteps / config.epochs));
  for (const s of steps) {
    assert.ok(Number.isFinite(s.loss) && Number.isFinite(s.base) && Number.isFinite(s.poly), `step ${s.step} finite`);
    assert.ok(Math.abs(s.base + s.poly - s.loss) <= 1e-5 * Math.max(1, s.loss), `step ${s.step}: base + poly = loss`);
    assert.ok(s.acc >= 0 && s.acc <= 1);
  }
  if (config.loss.type === 'ce') assert.ok(steps.every((s) => s.poly === 0), 'CE has no polynomial part');
  else assert.ok(steps.every((s) => s.poly > 0), 'Poly-1 ε=2 adds a positive term');
  const last = epochs[epochs.length - 1];
  assert.ok(last.valAcc > 0.8, `validation accuracy ${last.valAcc} well above chance`);
  assert.ok(last.pt.q25 <= last.pt.q50 && last.pt.q50 <= last.pt.q75 && last.pt.mean > 0.5, 'Pt quartiles ordered and mostly confident');
  const s = result.summary;
  assert.ok(s.testAcc! > 0.8, `test accuracy ${s.testAcc}`);
  assert.ok(Number.isFinite(s.testLoss) && s.ece! >= 0 && s.ece! < 0.5 && s.samplesPerSec! > 0);
  const confusion = s.confusion!;
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, started.data.test, 'confusion matrix covers the test split');
  const diagonal = confusion.reduce((sum, row, k) => sum + row[k], 0);
  assert.equal(s.testAcc, diagonal / total);
  assert.deepEqual(s.perClassAcc, confusion.map((row, k) => row[k] / row.reduce((a, b) => a + b, 0)));
  assert.ok(run.stepBatches < steps.length, 'steps are delivered in batches');
}

describe('training loop', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const loss of [{ type: 'ce' as const }, { type: 'poly' as const, epsilon: 2 }]) {
      it(`trains an MLP on digits with ${loss.type} on ${backend}`, async () => {
        const config = { ...BASE, backend, loss };
        const run = await record(config);
        assert.equal(run.started.environment.backend, backend);
        assertHealthyRun(run, config);
      });
    }
  }

  it('gives identical curves for the same config, seed and backend, and different ones for another seed', async () => {
    const config: BuiltinRunConfig = { ...BASE, loss: { type: 'poly', epsilon: 1 }, epochs: 1 };
    const first = await record(config);
    const second = await record(config);
    const strip = (steps: StepMetric[]) => steps.map(({ t: _t, ...rest }) => rest);
    assert.deepEqual(strip(second.steps), strip(first.steps));
    assert.deepEqual(second.result.summary.confusion, first.result.summary.confusion);
    const other = await record({ ...config, seed: 4 });
    assert.notDeepEqual(strip(other.steps), strip(first.steps));
  });

  it('leaves no tensors behind: the count is the same at every epoch and back to the start after the run', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    const run = await record({ ...BASE, epochs: 3 });
    assert.equal(new Set(run.tensorsAtEpochs).size, 1, `tensors at epochs: ${run.tensorsAtEpochs.join(', ')}`);
    assert.equal(tf.memory().numTensors, before);
    await assert.rejects(train({ ...BASE, optimizer: { type: 'adam', learningRate: 0 } }), /optimizer\.learningRate must be a positive finite number \(got 0\)/);
    assert.equal(tf.memory().numTensors, before, 'nothing left behind by a run that fails to start');
  });

  it('trains a CNN on wasm (needs the added Conv2DBackpropFilter kernel)', async () => {
    const config: BuiltinRunConfig = { ...BASE, model: { type: 'cnn', filters: [8, 16] }, loss: { type: 'poly', epsilon: 1 }, epochs: 3 };
    const run = await record(config);
    assert.equal(run.result.status, 'completed');
    assert.ok(run.steps.every((s) => Number.isFinite(s.loss)));
    assert.ok(run.result.summary.testAcc! > 0.8, `CNN test accuracy ${run.result.summary.testAcc}`);
  });

  it('stops as diverged when the loss blows up (sgd with learning rate 1e6)', async () => {
    const run = await record({ ...BASE, optimizer: { type: 'sgd', learningRate: 1e6 }, epochs: 3 });
    assert.equal(run.result.status, 'diverged');
    const at = run.result.summary.divergedAtStep!;
    assert.ok(at > 1 && at <= run.started.totalSteps, `diverged at ${at}`);
    assert.equal(run.steps.length, at - 1, 'steps up to the divergence are reported');
    assert.equal(run.result.summary.steps, at - 1);
    assert.equal(run.result.summary.testAcc, undefined, 'no test evaluation of a diverged model');
  });

  it('stops as cancelled between steps and keeps the metrics so far', async () => {
    const run = await record({ ...BASE, epochs: 5 }, (steps) => steps >= 25);
    assert.equal(run.result.status, 'cancelled');
    const reported = run.result.summary.steps;
    assert.ok(reported >= 25 && reported < run.started.totalSteps);
    assert.equal(run.steps.length, reported, 'every finished step was delivered');
    assert.equal(run.result.summary.epochs, run.epochs.length);
  });

  it('refuses a CNN on tabular data, naming model.type', async () => {
    await selectBackend('cpu');
    assert.throws(() => buildModel({ type: 'cnn' }, [13], 3, 1), /model\.type "cnn".*tabular.*mlp/);
    await assert.rejects(train({ ...BASE, backend: 'cpu', dataset: { name: 'wine' }, model: { type: 'cnn' } }), /model\.type "cnn"/);
  });

  it('trains an MLP on tabular data (wine: 13 standardised features)', async () => {
    const run = await record({ ...BASE, dataset: { name: 'wine' }, batchSize: 16, epochs: 5 });
    assert.deepEqual(run.started.data.inputShape, [13]);
    assert.equal(run.result.status, 'completed');
    assert.ok(run.result.summary.testAcc! > 0.8, `wine test accuracy ${run.result.summary.testAcc}`);
  });

  it('builds the same initial weights for the same seed', async () => {
    await selectBackend('cpu');
    const weights = (seed: number) => {
      const model = buildModel({ type: 'mlp', hidden: [8] }, [4], 3, seed);
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    assert.deepEqual(weights(5), weights(5));
    assert.notDeepEqual(weights(5), weights(6));
  });

  it('fails clearly when an explicitly chosen backend cannot load', async (t) => {
    let nodeLoads = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
      require('@tensorflow/tfjs-node');
    } catch {
      nodeLoads = false;
    }
    if (nodeLoads) {
      const info = await selectBackend('node');
      assert.equal(info.name, 'node');
      t.diagnostic('tfjs-node is installed here: checked that it loads instead');
      return;
    }
    await assert.rejects(selectBackend('node'), /backend "node" is not available: .*Choose backend "auto", or one of wasm, cpu/);
    const auto = await selectBackend('auto');
    assert.equal(auto.name, 'wasm');
    assert.match(auto.detail, /SIMD/);
    assert.match(auto.detail, /skipped node:/);
  });
});
