import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ProgressReporter } from '../../src/cli/progress';
import type { StepMetric } from '../../src/core/runFormat';

const environment = { backend: 'wasm', tfjsVersion: '4.22.0', nodeVersion: 'v20', platform: 'linux' };

/** A terminal that keeps what was written, 120 columns wide. */
function terminal() {
  const written: string[] = [];
  return { stream: { columns: 120, write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream, written };
}

function steps(last: number, t: number) {
  const step: StepMetric = { kind: 'step', step: last, epoch: 1, t, loss: 0.5, base: 0.5, poly: 0, acc: 0.75 };
  return { type: 'steps' as const, runId: 'run-abcd', steps: [step] };
}

describe('CLI progress line', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('gives the ETA from the run\'s last seconds, not from its slow start', () => {
    const { stream, written } = terminal();
    const progress = new ProgressReporter(stream, true);
    progress.add('run-abcd', 'Poly-1 ε=2', 10, true);
    progress.handle({ type: 'started', runId: 'run-abcd', environment, totalSteps: 1400, record: undefined as never });
    // 20 steps in the first 2 s (a new worker), then 100 steps/s.
    for (let t = 1; t <= 10; t++) progress.handle(steps(t <= 2 ? t * 10 : 20 + (t - 2) * 100, t * 1000));
    mock.timers.tick(100);
    const line = written.filter((w) => w.includes('ETA')).at(-1) ?? '';
    assert.match(line, /820\/1400/);
    // 580 steps left at 100 steps/s; since the start (82 steps/s) it would say 7.1 s.
    assert.match(line, /ETA 5\.8 s/);
    progress.close();
  });

  it('in a log (no terminal), says how many steps a run will take only when it is known', () => {
    const { stream, written } = terminal();
    const progress = new ProgressReporter(stream, false);
    progress.add('run-abcd', 'CE', 10, true);
    progress.add('run-efgh', 'train.py', undefined, true);
    progress.handle({ type: 'started', runId: 'run-abcd', environment, totalSteps: 60, record: undefined as never });
    progress.handle({ type: 'started', runId: 'run-efgh', environment: { ...environment, backend: 'pytorch' }, totalSteps: 0, record: undefined as never });
    assert.deepEqual(written.filter((w) => w.includes('started')), ['[run-abcd] CE: started: 60 steps on wasm\n', '[run-efgh] train.py: started on pytorch\n']);
  });

  it('shows no ETA before two step batches give a rate', () => {
    const { stream, written } = terminal();
    const progress = new ProgressReporter(stream, true);
    progress.add('run-abcd', 'CE', 10, true);
    progress.handle({ type: 'started', runId: 'run-abcd', environment, totalSteps: 100, record: undefined as never });
    progress.handle(steps(1, 40));
    mock.timers.tick(100);
    assert.match(written.filter((w) => w.includes('ETA')).at(-1) ?? '', /1\/100 .*ETA —/);
    progress.close();
  });
});
