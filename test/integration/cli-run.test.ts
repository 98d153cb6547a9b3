/** `polyloss run FILE.polyloss.json` through the real CLI process and workers. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunRecord } from '../../src/core/runFormat';
import { listRuns } from '../../src/store/runStore';
import { build, cli, parseJson, ROOT, tempDir } from './reliabilityKit';

let workDir: string;

/** Two entries on a CSV next to the file; the second has a setting that only draws a warning. */
const EXPERIMENT = `// A small study
{
  "dataset": { "name": "csv", "path": "data/iris.csv", "labelColumn": "species", "maxSamples": 60 },
  "model": { "type": "mlp", "hidden": [8] },
  "training": { "epochs": 1, "batchSize": 16, "backend": "wasm", "seeds": [1] },
  "runs": [
    { "name": "ce", "loss": { "type": "ce" } },
    { "name": "poly1", "loss": { "type": "poly", "epsilon": 2, "gamma": 3 } }
  ]
}
`;

/** The small study with a sweep section: ε ∈ {0, 2} × 2 seeds on the shared settings. */
const SWEPT = EXPERIMENT.replace('\n  ]\n}', '\n  ],\n  "sweep": { "epsilon": [0, 2], "seeds": 2 }\n}');

const WITH_ERROR = `{
  "dataset": { "name": "iris" },
  "model": { "type": "mlp" },
  "runs": [
    { "name": "ok", "loss": { "type": "ce" } },
    { "name": "bad", "loss": { "type": "poly", "epsilon": [1, "x"] } }
  ]
}
`;

before(() => {
  build();
  workDir = tempDir('run');
  fs.mkdirSync(path.join(workDir, 'study', 'data'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'test/fixtures/experiments/data/iris.csv'), path.join(workDir, 'study', 'data', 'iris.csv'));
  fs.writeFileSync(path.join(workDir, 'study', 'small.polyloss.json'), EXPERIMENT);
  fs.writeFileSync(path.join(workDir, 'study', 'broken.polyloss.json'), WITH_ERROR);
  fs.writeFileSync(path.join(workDir, 'study', 'swept.polyloss.json'), SWEPT);
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

const FILE = path.join('study', 'small.polyloss.json');

describe('polyloss run', () => {
  it('trains every entry of the file, prints its warnings located, and reports like train', async () => {
    const runsDir = path.join(workDir, 'all');
    const result = await cli(['run', FILE, '--concurrency', '2', '--json', '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 0, result.stderr);
    const runs = parseJson<{ runs: RunRecord[] }>(result).runs;
    assert.deepEqual(runs.map((r) => [r.name, r.status, r.config.seed, r.config.experiment]),
      [['ce · seed 1', 'completed', 1, 'small'], ['poly1 · seed 1', 'completed', 1, 'small']]);
    assert.equal(runs[1].config.loss.epsilon, 2);
    assert.equal(runs[0].config.dataset?.path, path.join(workDir, 'study', 'data', 'iris.csv'), 'paths start from the file\'s folder');
    assert.equal(runs[0].data?.train !== undefined && runs[0].data.train + runs[0].data.validation + runs[0].data.test, 60);
    assert.match(result.stderr, /study\/small\.polyloss\.json:8:73: warning: runs\[1\]\.loss\.gamma is ignored by type "poly"/);
    assert.match(result.stderr, /Experiment small: 2 run\(s\) from 2 entries/);
    for (const run of runs) assert.match(result.stderr, new RegExp(`\\[${run.id}\\] ${run.name.replace('·', '.')}: epoch 1/1 `));
    const table = await cli(['run', FILE, '--only', 'ce', '--runs-dir', runsDir], workDir);
    assert.match(table.stdout, /^ID\s+STATUS\s+EPOCHS\s+FINAL LOSS/, 'the same results table as train');
    assert.doesNotMatch(table.stderr, /polyloss report/, 'one run: nothing to report on');
    const both = await cli(['run', FILE, '--runs-dir', runsDir], workDir);
    const ids = [...both.stdout.matchAll(/^(\d{8}-\S+)\s.*\scompleted\s/gm)].map((m) => m[1]);
    assert.equal(ids.length, 2, both.stdout);
    assert.ok(both.stderr.includes(`For a report with charts: polyloss report ${ids.join(' ')} --runs-dir ${runsDir} --out DIR`), both.stderr);
  });

  it('--only picks entries by name and --seeds replaces the seeds', async () => {
    const runsDir = path.join(workDir, 'only');
    const result = await cli(['run', FILE, '--only', 'poly1', '--seeds', '3,4', '--json', '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 0, result.stderr);
    const runs = parseJson<{ runs: RunRecord[] }>(result).runs;
    assert.deepEqual(runs.map((r) => [r.name, r.config.seed, r.status]), [['poly1 · seed 3', 3, 'completed'], ['poly1 · seed 4', 4, 'completed']]);
    assert.deepEqual(listRuns(runsDir).runs.map((r) => r.name).sort(), ['poly1 · seed 3', 'poly1 · seed 4']);
  });

  it('trains the sweep section too: its runs share a saved sweep id that sweep --resume and report know; --only sweep picks it', async () => {
    const runsDir = path.join(workDir, 'swept', 'runs');
    const file = path.join('study', 'swept.polyloss.json');
    const result = await cli(['run', file, '--json', '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 0, result.stderr);
    const runs = parseJson<{ runs: RunRecord[] }>(result).runs;
    assert.deepEqual(runs.map((r) => r.status), Array(6).fill('completed'));
    const entries = runs.filter((r) => r.config.sweepId === undefined);
    assert.deepEqual(entries.map((r) => r.name), ['ce · seed 1', 'poly1 · seed 1']);
    const swept = runs.filter((r) => r.config.sweepId !== undefined);
    const sweepId = swept[0].config.sweepId!;
    assert.match(sweepId, /^sweep-\d{8}-\d{6}-[0-9a-f]{8}$/);
    assert.ok(swept.every((r) => r.config.sweepId === sweepId && r.config.experiment === 'swept' && r.config.epochs === 1));
    assert.deepEqual(swept.map((r) => [r.config.loss.epsilon, r.config.seed]), [[0, 1], [2, 1], [0, 2], [2, 2]]);
    assert.ok(swept.every((r) => r.data !== undefined && r.data.train + r.data.validation + r.data.test === 60), 'the shared dataset settings');
    assert.match(result.stderr, new RegExp(`Experiment swept: 6 run\\(s\\) from 2 entries and sweep ${sweepId}: 4 runs \\(2 settings × 2 seeds\\)`));

    // Saved like `polyloss sweep` saves it: resume finds every run done, report reads the sweep.
    const saved = JSON.parse(fs.readFileSync(path.join(runsDir, '.sweeps', `${sweepId}.json`), 'utf8'));
    assert.deepEqual(saved.spec, { epsilon: [0, 2], seeds: 2 });
    assert.equal(saved.base.experiment, 'swept');
    const resumed = await cli(['sweep', '--resume', sweepId, '--runs-dir', runsDir], workDir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`Sweep ${sweepId}: 4 of 4 runs are done or still running; 0 to train`));
    const report = await cli(['report', sweepId, '--json', '--runs-dir', runsDir], workDir);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /ε=2/);

    const only = await cli(['run', file, '--only', 'sweep', '--json', '--runs-dir', path.join(workDir, 'swept-only', 'runs')], workDir);
    assert.equal(only.code, 0, only.stderr);
    const onlyRuns = parseJson<{ runs: RunRecord[] }>(only).runs;
    assert.equal(onlyRuns.length, 4);
    assert.ok(onlyRuns.every((r) => r.config.sweepId !== undefined && r.config.sweepId !== sweepId), 'a new sweep id for each run of the file');
  });

  it('refuses a file with an error, showing FILE:LINE:COLUMN, and trains nothing', async () => {
    const runsDir = path.join(workDir, 'refused');
    const file = path.join('study', 'broken.polyloss.json');
    const result = await cli(['run', file, '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^study\/broken\.polyloss\.json:6:63: error: runs\[1\]\.loss\.epsilon\[1\] must be a number \(got "x"\)$/m);
    assert.match(result.stderr, /polyloss: study\/broken\.polyloss\.json has 1 error\(s\); nothing was trained/);
    assert.equal(fs.existsSync(runsDir), false);
    const json = parseJson<{ issues: { line: number; column: number; severity: string; path: string }[]; exitCode: number }>(
      await cli(['run', file, '--json', '--runs-dir', runsDir], workDir));
    assert.deepEqual(json.issues.map((i) => [i.line, i.column, i.severity, i.path]), [[6, 63, 'error', 'runs[1].loss.epsilon[1]']]);
    assert.equal(json.exitCode, 2);
  });
});
