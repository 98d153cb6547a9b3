/**
 * Reliability: several CLI processes training into the same runs folder at once, with a reader
 * listing it all the while. No run may corrupt another, ids must stay distinct, every file must parse.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunRecord, StepMetric } from '../../src/core/runFormat';
import { readMetrics } from '../../src/store/runFiles';
import { listRuns, runDirOf } from '../../src/store/runStore';
import { build, cli, parseJson, tempDir, tiny } from './reliabilityKit';

const PROCESSES = 3;
const SEEDS = [1, 2];
const EPOCHS = 2;

let workDir: string;
let runsDir: string;

before(() => {
  build();
  workDir = tempDir('concurrent');
  runsDir = path.join(workDir, 'runs');
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('CLI processes sharing a runs folder', () => {
  it(`${PROCESSES} concurrent train commands: all complete, ids distinct, every file parses, curves untouched`, async () => {
    // The same config and seeds in every process: same slugs in the same second, so ids collide unless suffixed.
    const args = ['train', ...tiny({ epochs: String(EPOCHS), 'batch-size': '8' }), '--seeds', SEEDS.join(','), '--concurrency', '2', '--json', '--runs-dir', runsDir];
    let listings = 0;
    const brokenSeen: string[] = [];
    let training = true;
    const reader = (async () => {
      while (training) {
        const { broken } = listRuns(runsDir);
        brokenSeen.push(...broken.map((b) => `${b.runId}: ${b.reason}`));
        listings++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => cli(args, workDir)));
    training = false;
    await reader;

    assert.ok(listings > 5, `the reader listed the folder while training (${listings} times)`);
    assert.deepEqual(brokenSeen, [], 'a reader never sees a half-written run.json');
    const reported = results.map((result) => {
      assert.equal(result.code, 0, result.stderr);
      return parseJson<{ runs: RunRecord[] }>(result).runs;
    });
    const ids = reported.flat().map((r) => r.id);
    assert.equal(ids.length, PROCESSES * SEEDS.length);
    assert.equal(new Set(ids).size, ids.length, 'every run has its own id');

    const { runs, broken } = listRuns(runsDir);
    assert.deepEqual(broken, []);
    assert.deepEqual(fs.readdirSync(runsDir).filter((name) => name.startsWith('.')), [], 'no staging folder is left behind');
    assert.deepEqual(runs.map((r) => r.id).sort(), [...ids].sort());
    const lossesBySeed = new Map<number, number[]>();
    for (const run of runs) {
      assert.equal(run.status, 'completed', run.error);
      const { lines, skipped } = readMetrics(runDirOf(runsDir, run.id));
      assert.equal(skipped, 0, `${run.id}: every line parses`);
      const steps = lines.filter((l): l is StepMetric => l.kind === 'step');
      assert.deepEqual(steps.map((s) => s.step), Array.from({ length: run.totalSteps! }, (_, i) => i + 1), `${run.id}: one complete series`);
      assert.deepEqual(lines.filter((l) => l.kind === 'epoch').map((l) => l.epoch), [1, 2]);
      const losses = steps.map((s) => s.loss);
      const same = lossesBySeed.get(run.config.seed);
      // Training is deterministic per seed, so a line from another run would show as a difference.
      if (same) assert.deepEqual(losses, same, `${run.id}: the same curve as the other runs of seed ${run.config.seed}`);
      else lossesBySeed.set(run.config.seed, losses);
    }
    assert.deepEqual([...lossesBySeed.keys()].sort(), SEEDS);
    const launchers = new Set(runs.map((r) => r.launcherPid));
    assert.equal(launchers.size, PROCESSES, 'each process recorded its own runs');
  });
});
