// The results after training: the table, then each failure again in brief; its whole message (a script's
// traceback) was printed when the run failed, and once is enough.
import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { reportTraining } from '../../src/cli/commands/train';
import { renderRunTable } from '../../src/cli/runTable';
import type { CliContext } from '../../src/cli/context';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { RUN_SCHEMA_VERSION, type RunRecord } from '../../src/core/runFormat';

function captured(): { ctx: CliContext; err: () => string } {
  let err = '';
  const stderr = new PassThrough();
  stderr.on('data', (d) => { err += String(d); });
  return { ctx: { cwd: '/', stdout: new PassThrough(), stderr, stdin: new PassThrough(), workerPath: '' }, err: () => err };
}

const failed = (id: string, error: string): RunRecord => ({
  schemaVersion: RUN_SCHEMA_VERSION, id, name: id, config: DEFAULT_CONFIG, status: 'failed', createdAt: '2026-12-07T00:00:00Z', error,
});

describe('results after training', () => {
  it('repeats a failure of several lines as its first and last, one of one or two lines whole', async () => {
    const { ctx, err } = captured();
    const traceback = ['the command exited with code 1:', 'Traceback (most recent call last):', '  File "train.py", line 20, in <module>',
      '    import torch', "ModuleNotFoundError: No module named 'torch'", '/usr/bin/python3 (python3 on PATH) cannot import torch: install it there'].join('\n');
    reportTraining(ctx, false, { records: [failed('r1', traceback), failed('r2', 'ValueError: empty (train.py:4)')], exitCode: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(err().trim().split('\n'), [
      'r1 failed: the command exited with code 1: … /usr/bin/python3 (python3 on PATH) cannot import torch: install it there',
      'r2 failed: ValueError: empty (train.py:4)',
    ]);
  });

  it('says under a table of several losses that each final loss is its run\'s own loss', () => {
    const done = (id: string, loss: RunRecord['config']['loss']): RunRecord => ({
      schemaVersion: RUN_SCHEMA_VERSION, id, name: id, config: { ...DEFAULT_CONFIG, loss }, status: 'completed', createdAt: '2026-12-07T00:00:00Z',
      summary: { steps: 10, epochs: 1, finalLoss: 0.5 },
    });
    const note = /FINAL LOSS is each run's own loss/;
    assert.match(renderRunTable([done('a', { type: 'ce' }), done('b', { type: 'poly', epsilon: 2 })]), note);
    assert.doesNotMatch(renderRunTable([done('a', { type: 'ce' }), done('b', { type: 'ce' })]), note);
  });
});
