import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { withDefaults } from '../../src/core/config';
import type { RunConfig } from '../../src/core/runConfig';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import { DEFAULT_TUNE_OPTIONS, settingOf } from '../../src/core/tune';
import { TuneBusyError, driveTune, type TuneDriver } from '../../src/runner/tuneDriver';
import { loadSweep } from '../../src/store/sweepFiles';

/**
 * The tune driver with a fake queue: rounds are trained until the planner stops, the sweep file
 * follows every round, a stopped round ends the drive, and a resume waits for live runs.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-tune-driver-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let made = 0;
function record(config: RunConfig, status: RunStatus, testAcc?: number): RunRecord {
  return {
    schemaVersion: 1, id: `r${made++}`, name: config.name ?? 'run', status, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, made)).toISOString(), config,
    ...(testAcc !== undefined ? { summary: { steps: 10, epochs: 1, testAcc } } : {}),
  };
}

/** ε = −1 is 5 points better than CE; the seeds differ a little. */
const accuracy = (config: RunConfig): number => 0.6 + (settingOf(config) === -1 ? 0.05 : 0) + 0.004 * Math.sin(config.seed * 5 + (settingOf(config) ?? 9));

function driver(sweepId: string, runs: RunRecord[], train: TuneDriver['train']): TuneDriver {
  return {
    runsDir: path.join(dir, sweepId), sweepId, createdAt: '2026-01-01T00:00:00.000Z', base: withDefaults({ loss: { type: 'ce' } }),
    settings: { options: DEFAULT_TUNE_OPTIONS, metric: 'test' }, listRuns: () => runs, train,
  };
}

describe('tune driver', () => {
  it('trains round after round until the planner stops, recording every round in the sweep file', async () => {
    const runs: RunRecord[] = [];
    const rounds: number[] = [];
    const d = driver('sweep-20260101-000000-00000001', runs, async (configs, round) => {
      rounds.push(round);
      assert.equal(loadSweep(d.runsDir, d.sweepId).tune!.rounds.length, round, 'the round is saved before it trains');
      const done = configs.map((c) => record(c, 'completed', accuracy(c)));
      runs.push(...done);
      return done;
    });
    const outcome = await driveTune(d);
    assert.equal(outcome.state.next.kind, 'stop');
    assert.deepEqual(rounds, outcome.state.rounds.map((r) => r.round));
    assert.equal(runs.length, outcome.state.runs);
    assert.ok(runs.every((r) => r.config.sweepId === d.sweepId && (r.config.loss.type === 'ce' || r.config.loss.type === 'poly')));
    const saved = loadSweep(d.runsDir, d.sweepId);
    assert.equal(saved.tune!.stoppedBecause, outcome.state.next.kind === 'stop' ? outcome.state.next.reason : '');
    assert.match(saved.tune!.answer!, /^ε = −1 beats CE by \+5\.0 pts \[4\.\d, 5\.\d\], Holm p < 0\.001, \d+ runs$/);
  });

  it('stops when a round\'s runs were cancelled or are still going elsewhere, and a resume waits for the live ones', async () => {
    for (const status of ['cancelled', 'running'] as const) {
      const runs: RunRecord[] = [];
      const d = driver(`sweep-20260101-000000-0000000${status === 'cancelled' ? 2 : 3}`, runs, async (configs) => {
        const ended = configs.map((c, i) => record(c, i < 4 ? 'completed' : status, i < 4 ? accuracy(c) : undefined));
        runs.push(...ended);
        return ended;
      });
      const outcome = await driveTune(d);
      assert.equal(outcome.stopped, true, status);
      assert.deepEqual(outcome.state.next.kind === 'run' ? [outcome.state.next.round, outcome.state.next.runs.length] : [], [1, 14], 'the round lacks 14 runs');
      if (status === 'running') await assert.rejects(driveTune(d), (e: unknown) => e instanceof TuneBusyError && /14 runs of tune .* are still queued or running/.test(e.message));
    }
  });
});
