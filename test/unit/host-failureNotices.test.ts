import { strict as assert } from 'node:assert';
import { describe, it, mock } from 'node:test';
import { FAILURE_GATHER_MS, FailureNotices, failureMessage } from '../../src/host/failureNotices';

function notices(): { shown: string[]; notices: FailureNotices } {
  const shown: string[] = [];
  mock.timers.enable({ apis: ['setTimeout'] });
  return {
    shown,
    notices: new FailureNotices({ show: (m) => shown.push(m), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }),
  };
}

describe('failed runs are announced together', () => {
  it('runs failing within a moment of each other make one message', (t) => {
    t.after(() => mock.timers.reset());
    const { shown, notices: n } = notices();
    n.add({ runId: 'a', name: 'CE, seed 1', error: 'dataset.path: no such file x.csv' });
    mock.timers.tick(FAILURE_GATHER_MS - 1);
    n.add({ runId: 'b', name: 'CE, seed 2', error: 'dataset.path: no such file x.csv' });
    mock.timers.tick(FAILURE_GATHER_MS - 1);
    n.add({ runId: 'c', name: 'CE, seed 3', error: 'dataset.path: no such file x.csv' });
    assert.deepEqual(shown, [], 'nothing while failures keep coming');
    mock.timers.tick(FAILURE_GATHER_MS);
    assert.deepEqual(shown, ['PolyLoss: 3 runs failed ("CE, seed 1", "CE, seed 2", "CE, seed 3"): dataset.path: no such file x.csv']);
    mock.timers.tick(10 * FAILURE_GATHER_MS);
    assert.equal(shown.length, 1, 'and only once');
  });

  it('a lone failure names its run; a later one is a new message', (t) => {
    t.after(() => mock.timers.reset());
    const { shown, notices: n } = notices();
    n.add({ runId: 'a', name: 'mine', error: 'out of memory' });
    mock.timers.tick(FAILURE_GATHER_MS);
    n.add({ runId: 'b', name: 'other', error: 'killed' });
    mock.timers.tick(FAILURE_GATHER_MS);
    assert.deepEqual(shown, ['PolyLoss: run "mine" failed: out of memory', 'PolyLoss: run "other" failed: killed']);
  });

  it('names at most three runs and counts different errors', () => {
    const runs = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ runId: id, name: id, error: i < 3 ? 'e1' : 'e2' }));
    assert.equal(failureMessage(runs), 'PolyLoss: 5 runs failed ("a", "b", "c", and 2 more): e1 (and 1 other error)');
    // A script's failure says what matters at its end (the exception, a hint), not only its first line.
    const script = { runId: 's', name: 'train.py · CE, seed 1', error: 'the command exited with code 1:\nTraceback (most recent call last):\n  File "train.py", line 3\n'
      + "ModuleNotFoundError: No module named 'torch'\n/usr/bin/python3 (python3 on PATH) cannot import torch: install it there" };
    assert.equal(failureMessage([script]),
      'PolyLoss: run "train.py · CE, seed 1" failed: the command exited with code 1: … /usr/bin/python3 (python3 on PATH) cannot import torch: install it there');
  });

  it('says nothing after dispose', (t) => {
    t.after(() => mock.timers.reset());
    const { shown, notices: n } = notices();
    n.add({ runId: 'a', name: 'a', error: 'x' });
    n.dispose();
    mock.timers.tick(FAILURE_GATHER_MS * 2);
    assert.deepEqual(shown, []);
  });
});
