import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configWithLoss } from '../../src/core/config';
import type { LossSpec } from '../../src/core/lossSpec';
import { DEFAULT_CONFIG, type RunConfig } from '../../src/core/runConfig';
import { isHostMessage, isWebviewMessage, type HostMessage } from '../../src/core/viewProtocol';
import { CoefficientEditorSession, type CoefficientEditorActions } from '../../src/host/webviews/coefficientEditorSession';
import { WebviewRelay, type RelayHandlers } from '../../src/host/webviews/relay';
import { Emitter, FakeServices } from '../webview/fakeHost';
import { makeRun } from '../webview/fixtures';
import { expectedRerun, RERUN_SOURCE } from '../webview/rerunFixture';

test('configWithLoss keeps every setting, replaces the loss, drops name, experiment and sweep, and shares nothing', () => {
  const loss: LossSpec = { type: 'poly', epsilon: [1, 0.5] };
  const config = configWithLoss(RERUN_SOURCE, loss);
  assert.deepEqual(config, expectedRerun({ type: 'poly', epsilon: [1, 0.5] }));
  config.model.hidden!.push(8);
  (config.loss.epsilon as number[]).push(3);
  assert.deepEqual(RERUN_SOURCE.model.hidden, [32, 16]);
  assert.deepEqual(loss.epsilon, [1, 0.5]);
});

test('rerunWithLoss and coefficients messages: the validators accept the protocol and refuse the rest', () => {
  const good = [
    { type: 'rerunWithLoss', runId: 'a', loss: { type: 'poly', epsilon: 3 } },
    { type: 'rerunWithLoss', runId: 'a', loss: { type: 'poly-focal', epsilon: [1, 0.5], gamma: 2 } },
    { type: 'coefficients', runId: 'a', message: { type: 'ready' } },
    { type: 'coefficients', runId: 'a', message: { type: 'run', requestId: 'q1', loss: { type: 'focal', gamma: 3 } } },
    { type: 'coefficients', runId: 'a', message: { type: 'save', requestId: 'q2', loss: { type: 'ce' } } },
  ];
  for (const m of good) assert.equal(isWebviewMessage(m), true, JSON.stringify(m));
  const bad = [
    { type: 'rerunWithLoss', runId: 'a' },
    { type: 'rerunWithLoss', runId: 7, loss: { type: 'poly', epsilon: 3 } },
    { type: 'rerunWithLoss', runId: 'a', loss: { type: 'mse' } },
    { type: 'rerunWithLoss', runId: 'a', loss: [{ type: 'poly' }] },
    { type: 'rerunWithLoss', runId: 'a', loss: null },
    { type: 'coefficients', message: { type: 'ready' } },
    { type: 'coefficients', runId: 'a', message: { type: 'run', requestId: 'q1' } },
    { type: 'coefficients', runId: 'a', message: { type: 'run', loss: { type: 'ce' } } },
    { type: 'coefficients', runId: 'a', message: { type: 'save', requestId: '', loss: { type: 'ce' } } },
    { type: 'coefficients', runId: 'a', message: { type: 'delete', loss: { type: 'ce' } } },
    { type: 'coefficients', runId: 'a' },
  ];
  for (const m of bad) assert.equal(isWebviewMessage(m), false, JSON.stringify(m));

  const toPage: HostMessage[] = [
    { type: 'coefficients', message: { type: 'base', base: { what: 'iris · mlp · 3 epochs', fromRun: 'iris poly' } } },
    { type: 'coefficients', message: { type: 'done', requestId: 'q1', ok: true, message: 'Queued' } },
    { type: 'coefficients', message: { type: 'load', loss: { type: 'poly', epsilon: 1 }, source: 'study' } },
  ];
  for (const m of toPage) assert.equal(isHostMessage(m), true, JSON.stringify(m));
  const badToPage = [
    { type: 'coefficients' },
    { type: 'coefficients', message: { type: 'done', requestId: 'q1', ok: 'yes', message: '' } },
    { type: 'coefficients', message: { type: 'done', ok: true, message: '' } },
    { type: 'coefficients', message: { type: 'base', base: { what: 3 } } },
  ];
  for (const m of badToPage) assert.equal(isHostMessage(m), false, JSON.stringify(m));
});

/** The real relay over in-memory runs, with a run queue and coefficient actions that record. */
function fixture(view: 'dashboard' | 'compare' = 'dashboard') {
  const host = new FakeServices();
  host.addRun(makeRun('a', { name: 'iris poly', config: RERUN_SOURCE }));
  host.addRun(makeRun('pf', { name: 'focal poly', config: { loss: { type: 'poly-focal', gamma: 2, epsilon: [1, 0.5] } } }));
  const services = host.services();
  const started: RunConfig[][] = [];
  const editorRuns: RunConfig[][] = [];
  const savedLosses: LossSpec[] = [];
  const errors: string[] = [];
  const coefficients: CoefficientEditorActions = {
    startRuns: async (configs) => {
      editorRuns.push(configs);
      return [`r${editorRuns.length}`];
    },
    saveToExperimentFile: async (loss) => {
      savedLosses.push(loss);
      return 'Added run "x" to study.polyloss.json';
    },
    defaultConfig: () => structuredClone(DEFAULT_CONFIG),
  };
  const handlers: RelayHandlers = {
    openDashboard: () => {}, exportPng: async () => {}, exportCsv: async () => {}, exportJson: async () => {},
    showError: (m) => void errors.push(m),
    ...(view === 'dashboard' ? { coefficients } : {}),
  };
  const fromWebview = new Emitter<unknown>();
  const posted: HostMessage[] = [];
  const relay = new WebviewRelay({
    postMessage: async (m) => { posted.push(structuredClone(m) as HostMessage); return true; },
    onDidReceiveMessage: fromWebview.event,
  }, view, {
    ...services,
    actions: { ...services.actions, start: async (configs) => { started.push(configs); return configs.map(() => 'new'); } },
  }, handlers);
  const send = async (m: unknown) => {
    fromWebview.fire(m);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  const coefficientMessages = () => posted.filter((m) => m.type === 'coefficients').map((m) => (m.type === 'coefficients' ? m.message : undefined));
  return { host, relay, send, started, editorRuns, savedLosses, errors, posted, coefficientMessages };
}

test('relay: rerunWithLoss starts the run\'s config with the new loss through the run queue', async () => {
  const f = fixture();
  await f.send({ type: 'ready' });
  await f.send({ type: 'rerunWithLoss', runId: 'a', loss: { type: 'poly', epsilon: 3.5, labelSmoothing: 0.1 } });
  assert.deepEqual(f.started, [[expectedRerun({ type: 'poly', epsilon: 3.5, labelSmoothing: 0.1 })]]);
  assert.deepEqual(f.errors, []);
  f.relay.dispose();
});

test('relay: a rerunWithLoss whose config does not validate, or of an unknown run, starts nothing and says why', async () => {
  const f = fixture();
  await f.send({ type: 'ready' });
  await f.send({ type: 'rerunWithLoss', runId: 'a', loss: { type: 'poly', epsilon: 'two' } });
  await f.send({ type: 'rerunWithLoss', runId: 'a', loss: { type: 'poly', epsilon: 1, labelSmoothing: 1.5 } });
  await f.send({ type: 'rerunWithLoss', runId: 'gone', loss: { type: 'poly', epsilon: 1 } });
  assert.deepEqual(f.started, []);
  assert.equal(f.errors.length, 3);
  assert.equal(f.errors[0], 'run "iris poly" was not rerun: loss.epsilon must be a number or a list of at most 32 numbers (got "two")');
  assert.equal(f.errors[1], 'run "iris poly" was not rerun: loss.labelSmoothing must be in [0, 1) (got 1.5)');
  assert.equal(f.errors[2], 'no run gone in /tmp/polyloss-test/.polyloss/runs');
  assert.ok(f.host.logs.some((l) => l.startsWith('error: dashboard webview: rerunWithLoss failed: run "iris poly" was not rerun')));
  f.relay.dispose();
});

test('relay: the embedded coefficient editor runs on the settings of the run it shows and saves through the same actions', async () => {
  const f = fixture();
  await f.send({ type: 'ready' });
  await f.send({ type: 'coefficients', runId: 'a', message: { type: 'ready' } });
  assert.deepEqual(f.coefficientMessages(), [{ type: 'base', base: { what: 'iris · mlp · 3 epochs', fromRun: 'iris poly' } }]);

  await f.send({ type: 'coefficients', runId: 'a', message: { type: 'run', requestId: 'q1', loss: { type: 'poly', epsilon: 0.5 } } });
  assert.deepEqual(f.editorRuns, [[expectedRerun({ type: 'poly', epsilon: 0.5 })]]);
  assert.deepEqual(f.started, [], 'the editor starts through its own actions (the polyloss.startRuns command)');
  assert.deepEqual(f.coefficientMessages().at(-1), {
    type: 'done', requestId: 'q1', ok: true, message: 'Queued Poly-1 ε=0.5 on iris · mlp · 3 epochs (settings of "iris poly"): run r1',
  });

  // Another run shown: the base follows it.
  await f.send({ type: 'coefficients', runId: 'pf', message: { type: 'ready' } });
  assert.deepEqual(f.coefficientMessages().at(-1), { type: 'base', base: { what: 'digits · mlp · 10 epochs', fromRun: 'focal poly' } });
  await f.send({ type: 'coefficients', runId: 'pf', message: { type: 'save', requestId: 'q2', loss: { type: 'focal', gamma: 3 } } });
  assert.deepEqual(f.savedLosses, [{ type: 'focal', gamma: 3 }]);
  assert.deepEqual(f.coefficientMessages().at(-1), { type: 'done', requestId: 'q2', ok: true, message: 'Added run "x" to study.polyloss.json' });

  // A loss the session refuses is answered on the editor, not started.
  await f.send({ type: 'coefficients', runId: 'pf', message: { type: 'run', requestId: 'q3', loss: { type: 'poly', epsilon: 'x' } } });
  assert.equal(f.editorRuns.length, 1);
  const refused = f.coefficientMessages().at(-1);
  assert.ok(refused?.type === 'done' && refused.requestId === 'q3' && !refused.ok && /loss\.epsilon/.test(refused.message), JSON.stringify(refused));
  assert.deepEqual(f.errors, []);
  f.relay.dispose();
});

test('relay: a view without the embedded editor refuses its messages', async () => {
  const f = fixture('compare');
  await f.send({ type: 'ready' });
  await f.send({ type: 'coefficients', runId: 'a', message: { type: 'run', requestId: 'q1', loss: { type: 'poly', epsilon: 0.5 } } });
  assert.deepEqual(f.errors, ['the compare webview has no coefficient editor']);
  assert.deepEqual(f.coefficientMessages(), []);
  f.relay.dispose();
});

test('coefficient session: each run or save is answered with its own requestId, in the order the host finishes them, failures too', async () => {
  const host = new FakeServices();
  const fromWebview = new Emitter<unknown>();
  const answers: unknown[] = [];
  const finishRun: ((ids: string[]) => void)[] = [];
  const session = new CoefficientEditorSession({
    postMessage: async (m) => { answers.push(structuredClone(m)); return true; },
    onDidReceiveMessage: fromWebview.event,
  }, host.services(), {
    startRuns: (configs) => new Promise((resolve) => finishRun.push((ids) => resolve(ids.slice(0, configs.length)))),
    saveToExperimentFile: async () => { throw new Error('study.polyloss.json is not valid JSON'); },
    defaultConfig: () => structuredClone(DEFAULT_CONFIG),
  });
  const send = async (m: unknown) => {
    fromWebview.fire(m);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  await send({ type: 'ready' });
  answers.length = 0;
  await send({ type: 'run', requestId: 'first', loss: { type: 'poly', epsilon: 1 } });
  await send({ type: 'run', requestId: 'second', loss: { type: 'poly', epsilon: 2 } });
  assert.deepEqual(answers, [], 'no answer before the runs are queued');
  finishRun[1](['run-b']);
  await send({ type: 'save', requestId: 'third', loss: { type: 'ce' } });
  finishRun[0](['run-a']);
  await send({ type: 'reportError', message: 'flush' });
  const done = answers.map((m) => m as { requestId: string; action: string; ok: boolean; message: string });
  assert.deepEqual(done.map((m) => [m.requestId, m.ok]), [['second', true], ['third', false], ['first', true]]);
  assert.match(done[0].message, /Poly-1 ε=2 .*run run-b$/);
  assert.equal(done[1].message, 'study.polyloss.json is not valid JSON');
  assert.match(done[2].message, /Poly-1 ε=1 .*run run-a$/);
  session.dispose();
});

test('relay: getTune is answered with its requestId', async () => {
  const f = fixture();
  await f.send({ type: 'ready' });
  await f.send({ type: 'getTune', requestId: 'tune-7', sweepId: 'no-such-sweep' });
  assert.deepEqual(f.posted.at(-1), { type: 'tune', requestId: 'tune-7', tune: null });
  f.relay.dispose();
});
