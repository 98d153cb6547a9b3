import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../src/core/runFormat';
import { OutputWatch } from '../../src/host/webviews/outputWatch';
import type { OutputTail } from '../../src/store/outputLog';

/** A run whose output.log and status the test changes by hand; `count` tallies the looks at its size and the reads. */
function scriptRun() {
  const run = { status: 'running' as RunRecord['status'], log: '' };
  const count = { looks: 0, reads: 0 };
  const runs = {
    get: (): RunRecord => ({ status: run.status } as RunRecord),
    readOutput: (): OutputTail | undefined => {
      count.reads++;
      return run.log ? { text: run.log, truncated: false, size: run.log.length } : undefined;
    },
    outputSize: (): number | undefined => {
      count.looks++;
      return run.log ? run.log.length : undefined;
    },
  };
  return { run, runs, count };
}

describe('following a script run\'s output.log', () => {
  it('sends the end of the log whenever it grows while the run trains, and reads it only then', (ctx) => {
    ctx.mock.timers.enable({ apis: ['setTimeout'] });
    const { run, runs, count } = scriptRun();
    const sent: (string | null)[] = [];
    const watch = new OutputWatch('r1', runs, (tail) => sent.push(tail?.text ?? null), 1000);
    run.log = 'epoch 1\n';
    ctx.mock.timers.tick(1000);
    ctx.mock.timers.tick(1000); // unchanged: nothing read, nothing sent
    ctx.mock.timers.tick(1000);
    run.log += 'epoch 2\n';
    ctx.mock.timers.tick(1000);
    assert.deepEqual(sent, [null, 'epoch 1\n', 'epoch 1\nepoch 2\n']);
    assert.equal(count.looks, 5, 'its size is looked at every second');
    assert.equal(count.reads, 3, 'the file is read when its size changed only');
    watch.dispose();
  });

  it('takes one last look once the run has ended, then stops looking', (ctx) => {
    ctx.mock.timers.enable({ apis: ['setTimeout'] });
    const { run, runs, count } = scriptRun();
    const sent: (string | null)[] = [];
    const watch = new OutputWatch('r1', runs, (tail) => sent.push(tail?.text ?? null), 1000);
    run.log = 'done\n';
    run.status = 'completed';
    ctx.mock.timers.tick(1000);
    run.log += 'printed after the end was recorded\n';
    ctx.mock.timers.tick(5000);
    assert.deepEqual(sent, [null, 'done\n']);
    assert.equal(count.looks, 2);
    watch.dispose();
  });

  it('looks once, and never again, at a run that had ended before the detail showed it', (ctx) => {
    ctx.mock.timers.enable({ apis: ['setTimeout'] });
    const { run, runs } = scriptRun();
    run.status = 'failed';
    run.log = 'Traceback\n';
    const sent: (string | null)[] = [];
    const watch = new OutputWatch('r1', runs, (tail) => sent.push(tail?.text ?? null), 1000);
    run.log += 'more\n';
    ctx.mock.timers.tick(3000);
    assert.deepEqual(sent, ['Traceback\n']);
    watch.dispose();
  });
});
