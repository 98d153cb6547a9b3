import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MetricLine, RunRecord } from '../../src/core/runFormat';
import { readMetrics } from '../../src/store/runFiles';
import { build, startCli, tempDir } from './reliabilityKit';

/** A small CNN run on the mnist sample: its convolutions are large enough to be spread over threads. */
const CNN = ['--dataset', 'mnist', '--max-samples', '600', '--model', 'cnn', '--filters', '8,16', '--epochs', '2', '--batch-size', '64', '--backend', 'wasm'];
const CORES = os.availableParallelism();

let workDir: string;

before(() => {
  build();
  workDir = tempDir('threads');
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

async function train(runsDir: string, extra: string[]): Promise<RunRecord[]> {
  const result = await startCli(['train', ...CNN, ...extra, '--runs-dir', runsDir, '--json'], workDir).result;
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { runs: RunRecord[] }).runs;
}

/** Everything a run logged but its timings. */
function loggedValues(runsDir: string, run: RunRecord): Omit<MetricLine, 't'>[] {
  return readMetrics(path.join(runsDir, run.id)).lines.map(({ t: _t, ...rest }) => rest);
}

describe('one run on every core', () => {
  it('a run that trains alone uses every core, runs trained side by side one thread each, and both give the same numbers', async () => {
    const aloneDir = path.join(workDir, 'alone');
    const [alone] = await train(aloneDir, ['--seed', '1']);
    assert.equal(alone.status, 'completed');
    assert.equal(alone.environment?.threads, CORES, 'recorded threads of the lone run');
    assert.match(alone.environment?.backendDetail ?? '', new RegExp(`, ${CORES} threads?;`));

    const sideDir = path.join(workDir, 'side-by-side');
    const side = await train(sideDir, ['--seeds', '1,2', '--concurrency', '2']);
    assert.deepEqual(side.map((r) => [r.status, r.config.seed, r.environment?.threads]), [['completed', 1, 1], ['completed', 2, 1]]);
    assert.match(side[0].environment?.backendDetail ?? '', /, 1 thread;/);

    const [aloneValues, sideValues] = [loggedValues(aloneDir, alone), loggedValues(sideDir, side[0])];
    assert.ok(aloneValues.some((line) => line.kind === 'epoch'), 'epoch lines were logged');
    assert.deepEqual(sideValues, aloneValues, 'every logged loss and accuracy is the same on one thread and on every core');
    assert.deepEqual({ ...side[0].summary, samplesPerSec: 0, durationMs: 0 }, { ...alone.summary, samplesPerSec: 0, durationMs: 0 });
  });
});
