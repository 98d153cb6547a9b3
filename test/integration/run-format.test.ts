// Every writer of run folders honours the format of docs/run-format.md: the built-in worker, and the
// Python client in a script started by hand (outside any launcher). A launched client's folders are
// checked in command-runs.test.ts.
import { after, before, describe, it } from 'node:test';
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startRun } from '../../src/runner/startRun';
import { listRuns } from '../../src/store/runStore';
import { build, ROOT, tempDir, tinyConfig, WORKER } from './reliabilityKit';
import { assertRunFolderMatchesFormat } from './runFormatSchemas';

let work: string;
before(() => {
  build();
  work = tempDir('run-format');
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe('run folders match the published schemas', () => {
  it('the built-in worker: run.json (trainer builtin) and every step and epoch line', async () => {
    const runsDir = path.join(work, 'builtin');
    const record = await startRun({ runsDir, config: tinyConfig(), workerPath: WORKER }).done;
    assert.equal(record.status, 'completed');
    assert.deepEqual(record.trainer, { kind: 'builtin' });
    const { lines } = assertRunFolderMatchesFormat(path.join(runsDir, record.id));
    assert.ok(lines.some((l) => l.kind === 'step') && lines.some((l) => l.kind === 'epoch'));
  });

  it('the Python client in a script started by hand: its own run folder, live, then completed', () => {
    const runsDir = path.join(work, 'standalone');
    fs.writeFileSync(path.join(work, 'by_hand.py'), [
      'import polyloss_lab',
      'run = polyloss_lab.init(loss={"type": "poly", "epsilon": 2}, seed=4)',
      'for s in range(1, 4): run.log_step(s, epoch=1, loss=1.0 / s, base=0.8 / s, poly=0.2 / s, acc=0.5, lr=0.01, grad_norm=float("nan"))',
      'run.log_epoch(1, train_loss=0.5, val_loss=0.6, val_acc=0.7, pt=[0.1, 0.5, 0.9], top5_acc=0.99)',
      'run.finish(test_acc=0.75)',
    ].join('\n'));
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: path.join(ROOT, 'python'), POLYLOSS_RUNS_DIR: runsDir };
    delete env.POLYLOSS_RUN_DIR;
    execFileSync('/usr/bin/python3', ['by_hand.py'], { cwd: work, env, stdio: 'pipe' });
    const [run] = listRuns(runsDir).runs;
    assert.equal(run.status, 'completed');
    assert.equal(run.config.command?.argv.at(-1), 'by_hand.py');
    assert.equal(run.trainer?.kind, 'command');
    const { lines } = assertRunFolderMatchesFormat(path.join(runsDir, run.id));
    assert.deepEqual(lines.map((l) => [l.kind, l.lr ?? l.top5Acc]), [['step', 0.01], ['step', 0.01], ['step', 0.01], ['epoch', 0.99]]);
    assert.equal(lines[0].gradNorm, null, 'a value that is not finite is written as null');
  });
});
