// Everything the Python client can write holds to the run-folder format (run.schema.json and
// metric-line.schema.json) and the store reads it back whole: every kind of value it accepts (tensors,
// NaN and ∞, extra snake_case metrics, Pt quartiles, dataset facts, planned steps, a full summary), and
// the ends the client records itself: completed, failed with the error, cancelled by Ctrl-C, and a run
// the store created queued that the client attached to.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandRunConfig } from '../../src/core/runConfig';
import { readClassResults, readMetrics } from '../../src/store/runFiles';
import { createRun, listRuns } from '../../src/store/runStore';
import { assertRunFolderMatchesFormat } from './runFormatSchemas';

const root = path.resolve(__dirname, '../..');
const PYTHON = process.env.POLYLOSS_TEST_PYTHON || '/usr/bin/python3';

const SCRIPT = `
import math, os, sys, torch, polyloss_lab
from polyloss_lab.torch import poly_loss
mode = sys.argv[1]
run = polyloss_lab.init(name="format check", loss={"type": "poly", "epsilon": [1, 0.5]}, seed=4, config={"lr": 0.01, "note": "α"})
if mode == "many":
    run.set_data(120, test=240, class_names=["c%d" % k for k in range(120)])
    run.log_step(1, loss=1.0)
    run.finish(test_acc=0.5, confusion=torch.eye(120, dtype=torch.long) * 2)
    sys.exit(0)
if mode == "cancel":
    with run:
        run.log_step(1, loss=1.0)
        raise KeyboardInterrupt()
run.set_total_steps(4)
run.set_data(3, train=30, validation=6, test=6, class_names=["a", "b", "c"], input_shape=[4])
z = torch.randn(6, 3, dtype=torch.float64)
for step in range(1, 5):
    loss, base, poly, pt = poly_loss(z * step, torch.tensor([0, 1, 2, 0, 1, 2]), run.loss, return_parts=True)
    run.log_step(step, epoch=(step + 1) // 2, loss=loss, base=base.item(), poly=poly.item(), acc=0.5, learning_rate=1e-3,
                 grad_norm=float("nan") if step == 2 else 1.5, count=step)
    if step % 2 == 0:
        run.log_epoch(step // 2, train_loss=1.0, val_loss=float("inf"), val_acc=0.5, pt=pt, top5_acc=torch.tensor(1.0))
if mode == "fail":
    raise RuntimeError("the data ran out")
run.finish(test_acc=0.5, test_loss=0.9, per_class_acc=torch.tensor([0.5, 1.0, 0.0]), confusion=torch.tensor([[1, 1, 0], [0, 2, 0], [1, 1, 0]]),
           ece=math.nan, samples_per_sec=1200.0)
`;

let tmp: string;
let runsDir: string;

function runPython(mode: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> {
  const base: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: path.join(root, 'python'), POLYLOSS_RUNS_DIR: runsDir };
  for (const name of ['POLYLOSS_RUN_DIR', 'POLYLOSS_RUN_ID', 'POLYLOSS_CONFIG']) delete base[name];
  return spawnSync(PYTHON, ['-c', SCRIPT, mode], { cwd: tmp, env: { ...base, ...env }, encoding: 'utf8' });
}

describe('the Python client writes the run-folder format', () => {
  let attachedId: string;

  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-python-format-')));
    runsDir = path.join(tmp, 'runs');
    for (const mode of ['complete', 'fail', 'cancel', 'many']) {
      const result = runPython(mode);
      // An uncaught KeyboardInterrupt ends Python by SIGINT, as Ctrl-C would.
      const ended = mode === 'cancel' ? result.signal : result.status;
      assert.equal(ended, { complete: 0, fail: 1, cancel: 'SIGINT', many: 0 }[mode], `${mode}: ${String(result.stderr)}`);
    }
    const config: CommandRunConfig = { command: { argv: ['python3', 'train.py'], cwd: tmp, params: { lr: 0.1 } }, loss: { type: 'focal', gamma: 2 }, seed: 2 };
    const created = createRun(runsDir, config);
    attachedId = created.runId;
    const result = runPython('complete', {
      POLYLOSS_RUN_DIR: created.runDir, POLYLOSS_RUN_ID: created.runId, POLYLOSS_CONFIG: JSON.stringify(config),
    });
    assert.equal(result.status, 0, String(result.stderr));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('run.json and every metrics line validate against the schemas', () => {
    const folders = fs.readdirSync(runsDir);
    assert.equal(folders.length, 5);
    for (const id of folders) {
      const { lines } = assertRunFolderMatchesFormat(path.join(runsDir, id));
      assert.ok(lines.length > 0);
      assert.ok(fs.readFileSync(path.join(runsDir, id, 'metrics.jsonl'), 'utf8').endsWith('\n'), 'no half-written last line');
    }
  });

  it('the store lists every run, with its status, and reads every line', () => {
    const { runs, broken } = listRuns(runsDir);
    assert.deepEqual(broken, []);
    assert.deepEqual(runs.map((r) => r.status).sort(), ['cancelled', 'completed', 'completed', 'completed', 'failed']);
    for (const run of runs) {
      const { lines, skipped } = readMetrics(path.join(runsDir, run.id));
      assert.equal(skipped, 0);
      assert.equal(lines.filter((l) => l.kind === 'step').length, run.summary?.steps);
    }
    const failed = runs.find((r) => r.status === 'failed')!;
    assert.match(failed.error ?? '', /^RuntimeError: the data ran out \(<string>:\d+\)$/);
    const attached = runs.find((r) => r.id === attachedId)!;
    assert.equal(attached.status, 'completed');
    assert.deepEqual(attached.config.loss, { type: 'focal', gamma: 2 });
    assert.equal(attached.name !== 'format check', true, 'a launched run keeps the name it was given');
    const many = runs.find((r) => r.data?.numClasses === 120)!;
    const classResults = readClassResults(path.join(runsDir, many.id), many);
    assert.equal(classResults?.classNames?.[119], 'c119', 'the store reads the per-class results of 120 classes from confusion.json');
    assert.deepEqual(classResults?.confusionCells[119], [119, 119, 2]);
    assert.equal(classResults?.perClassAcc.every((a) => a === 1), true);
    const standalone = runs.find((r) => r.status === 'completed' && r.id !== attachedId && r.id !== many.id)!;
    assert.equal(standalone.name, 'format check');
    assert.deepEqual(standalone.summary?.confusion, [[1, 1, 0], [0, 2, 0], [1, 1, 0]]);
    assert.equal(standalone.summary?.ece, null, 'NaN is written as null');
    assert.equal(standalone.totalSteps, 4);
  });
});
