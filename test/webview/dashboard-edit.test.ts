import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ChartData } from '../../webview/coefficients/shapeCharts';
import { lossShape } from '../../src/core/lossShape';
import type { LossSpec } from '../../src/core/lossSpec';
import { DEFAULT_CONFIG, type RunConfig } from '../../src/core/runConfig';
import type { HostServices } from '../../src/host/services';
import { FakeServices } from './fakeHost';
import { lines, makeRun } from './fixtures';
import { expectedRerun, RERUN_SOURCE } from './rerunFixture';
import { openView, screenshotPath, useBrowser, type ViewHarness } from './harness';

const web = useBrowser();

/** The in-memory services, with the run queue recording what it is asked to start. */
class RecordingHost extends FakeServices {
  readonly started: RunConfig[][] = [];

  override services(): HostServices {
    const services = super.services();
    return {
      ...services,
      actions: {
        ...services.actions,
        start: async (configs) => {
          this.started.push(structuredClone(configs));
          return configs.map((_, i) => `new-${this.started.length}-${i}`);
        },
      },
    };
  }
}

/** A Poly-1 run "a", a CE run "b" and a Poly-2 focal run "pf". */
function workspace(): RecordingHost {
  const host = new RecordingHost();
  host.addRun(makeRun('a', { name: 'iris poly', config: RERUN_SOURCE, summary: { steps: 30, epochs: 3, finalLoss: 0.4, bestValAcc: 0.9 } }), lines(1, 30));
  host.addRun(makeRun('b', { config: { loss: { type: 'ce' } } }), lines(1, 30));
  host.addRun(makeRun('pf', { name: 'focal poly', config: { loss: { type: 'poly-focal', gamma: 2, epsilon: [1, 0.5] } } }), lines(1, 30));
  return host;
}

/** Replaces a text field's content by typing, key by key. */
async function retype(page: Page, selector: string, text: string): Promise<void> {
  const input = page.locator(selector);
  await input.click();
  await input.press('Control+a');
  await input.press('Backspace');
  if (text) await input.pressSequentially(text);
}

async function rerunMessages(v: ViewHarness): Promise<unknown[]> {
  return (await v.posted()).filter((m) => m.type === 'rerunWithLoss');
}

const activeRunRow = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.runId);
const lossCell = (runId: string) => `tr[data-run-id="${runId}"] td[data-column="loss"]`;

test('runs table: F2 edits ε in the loss cell; invalid text shows its message and reruns nothing; Escape restores the cell', async () => {
  const host = workspace();
  const v = await openView(web.browser, web.origin, 'dashboard', host);
  try {
    assert.equal(await v.page.locator(`${lossCell('a')} .cell-edit`).count(), 1, 'a Poly run has an edit button');
    assert.equal(await v.page.locator(`${lossCell('b')} .cell-edit`).count(), 0, 'a CE run has no ε to edit');
    await v.page.focus('tr[data-run-id="b"]');
    await v.page.keyboard.press('F2');
    assert.equal(await v.page.locator('#eps-edit-input').count(), 0, 'F2 on a CE run opens no editor');

    await v.page.focus('tr[data-run-id="a"]');
    await v.page.keyboard.press('F2');
    await v.settle();
    assert.equal(await v.page.inputValue('#eps-edit-input input'), '2', 'the field starts at the run\'s ε');
    // The field has the focus with its text selected: typing replaces ε.
    await v.page.keyboard.type('abc');
    await v.settle();
    assert.equal(await v.page.inputValue('#eps-edit-input input'), 'abc');
    assert.equal(await v.page.textContent('#eps-edit-message'),
      'ε must be a number or a comma-separated list of at most 32 numbers ("abc" is not a number)');
    assert.equal(await v.page.getAttribute('#eps-edit-message', 'class'), 'field-message error');
    assert.equal(await v.page.evaluate(() => (document.querySelector('#eps-edit-input') as HTMLElement & { invalid: boolean }).invalid), true);
    assert.equal(await v.page.getAttribute('#eps-edit-rerun', 'disabled'), '', 'Rerun is disabled');
    await v.page.keyboard.press('Enter');
    await v.page.click('#eps-edit-rerun', { force: true });
    await v.settle();
    assert.deepEqual(await rerunMessages(v), [], 'no rerun while the text is invalid');
    assert.deepEqual(host.started, []);
    assert.equal(await v.page.locator('.run-detail h2').isVisible(), false, 'clicks in the editor do not open the run');

    await retype(v.page, '#eps-edit-input input', '1,,2');
    await v.settle();
    assert.match(await v.page.textContent('#eps-edit-message') ?? '', /\(found an empty entry\)$/);

    await v.page.keyboard.press('Escape');
    await v.settle();
    assert.equal(await v.page.locator('#eps-edit-input').count(), 0);
    assert.equal(await v.page.textContent(lossCell('a')), 'Poly-1 ε=2 ls=0.1');
    assert.equal(await activeRunRow(v.page), 'a', 'Escape gives the focus back to the row');
    assert.deepEqual(await rerunMessages(v), []);
    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
  } finally {
    await v.close();
  }
});

test('runs table: a valid ε reruns the run\'s exact config with that ε, by mouse or keyboard; the field survives redraws', async () => {
  const host = workspace();
  const v = await openView(web.browser, web.origin, 'dashboard', host);
  try {
    await v.page.click(`${lossCell('a')}`);
    await v.settle();
    assert.equal(await v.page.locator('.run-detail h2').isVisible(), false, 'a click on the loss edits instead of opening the run');
    await retype(v.page, '#eps-edit-input input', '-2');
    await v.settle();
    assert.match(await v.page.textContent('#eps-edit-message') ?? '', /^loss\.epsilon: ε = -2 < −1 makes the leading coefficient 1 \+ ε negative/);
    assert.equal(await v.page.getAttribute('#eps-edit-message', 'class'), 'field-message warning');
    assert.equal(await v.page.getAttribute('#eps-edit-rerun', 'disabled'), null, 'a warning does not block the rerun');

    await retype(v.page, '#eps-edit-input input', '3.5');
    // The run changes while ε is typed (training ended, a rename): the row redraws, the field stays.
    host.updateRun({ ...host.records.get('a')!, status: 'completed', name: 'iris poly (renamed)', summary: { steps: 30, epochs: 3, finalLoss: 0.25 } });
    await v.settle();
    assert.equal(await v.page.textContent('tr[data-run-id="a"] td.name'), 'iris poly (renamed)');
    assert.equal(await v.page.textContent('tr[data-run-id="a"] td[data-column="finalLoss"]'), '0.25');
    assert.equal(await v.page.evaluate(() => document.activeElement?.id), 'eps-edit-input', 'the field keeps the focus');
    await v.page.keyboard.type('5');
    assert.equal(await v.page.inputValue('#eps-edit-input input'), '3.55', 'and the caret');
    await v.page.keyboard.press('Backspace');
    assert.equal(await v.page.textContent('#eps-edit-message'), '');
    await v.page.screenshot({ path: screenshotPath('dashboard-edit-epsilon-dark.png') });

    // Keyboard only: Tab reaches "Rerun with edited ε", Enter presses it.
    await v.page.keyboard.press('Tab');
    assert.equal(await v.page.evaluate(() => document.activeElement?.id), 'eps-edit-rerun');
    await v.page.keyboard.press('Enter');
    await v.settle();
    const loss: LossSpec = { type: 'poly', epsilon: 3.5, labelSmoothing: 0.1 };
    assert.deepEqual(await rerunMessages(v), [{ type: 'rerunWithLoss', runId: 'a', loss }]);
    assert.deepEqual(host.started, [[expectedRerun(loss)]]);
    assert.equal(await v.page.locator('#eps-edit-input').count(), 0, 'the editor closes');
    assert.equal(await activeRunRow(v.page), 'a');
    assert.equal(await v.page.textContent('.table-note'), 'Rerun of "iris poly (renamed)" with Poly-1 ε=3.5 ls=0.1 sent to the queue; it appears in the list once queued.');

    // A Poly-N focal run: a list of ε, Enter in the field reruns; γ and the rest stay.
    await v.page.focus('tr[data-run-id="pf"]');
    await v.page.keyboard.press('F2');
    await v.settle();
    assert.equal(await v.page.inputValue('#eps-edit-input input'), '1, 0.5');
    await v.page.keyboard.type('1, 0.5, -0.25');
    await v.page.keyboard.press('Enter');
    await v.settle();
    const { name: _name, ...pfSettings } = host.records.get('pf')!.config;
    assert.deepEqual(host.started[1], [{ ...pfSettings, loss: { type: 'poly-focal', gamma: 2, epsilon: [1, 0.5, -0.25] } }]);
    assert.deepEqual(host.started[1][0].dataset, DEFAULT_CONFIG.dataset);
    assert.deepEqual(v.handled.errors, []);
    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
  } finally {
    await v.close();
  }
});

/** The embedded editor's charts (the same LossShapeCharts as the sidebar view). */
function editorCharts(page: Page): Promise<Record<'loss' | 'gradient' | 'coefficients', ChartData>> {
  return page.evaluate(() => (window as unknown as { __polyloss: { coefficients: { charts: { state(): Record<'loss' | 'gradient' | 'coefficients', ChartData> } } } })
    .__polyloss.coefficients.charts.state());
}

function assertCurve(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((y, i) => assert.ok(Math.abs(y - expected[i]) < 1e-12, `${what}[${i}]: ${y} vs ${expected[i]}`));
}

/** The edited loss's curves must be the core's shape of `spec` (the browser's Math.log may differ in the last bit). */
async function assertDraws(page: Page, spec: LossSpec): Promise<void> {
  const charts = await editorCharts(page);
  const [edited] = lossShape(spec).curves;
  assert.equal(charts.loss.datasets[0].label, edited.label);
  assertCurve(charts.loss.datasets[0].data, edited.loss, `${edited.label} L`);
  assertCurve(charts.gradient.datasets[0].data, edited.negGrad, `${edited.label} −dL/dPt`);
}

test('Run tab: the coefficient editor shows the run\'s loss, redraws while ε is typed, runs it on the run\'s config and saves it', async () => {
  const host = workspace();
  const started: RunConfig[][] = [];
  const saved: LossSpec[] = [];
  const v = await openView(web.browser, web.origin, 'dashboard', host, {
    focus: { runIds: ['a'], tab: 'detail' },
    coefficients: {
      startRuns: async (configs) => {
        started.push(structuredClone(configs));
        return [`coef-${started.length}`];
      },
      saveToExperimentFile: async (loss) => {
        saved.push(structuredClone(loss));
        return 'Added run "poly 0.5" to study.polyloss.json';
      },
      defaultConfig: () => structuredClone(DEFAULT_CONFIG),
    },
  });
  try {
    // coefficients.css is loaded: its layout rules apply in the dashboard.
    assert.equal(await v.page.locator('link[href$="/media/css/coefficients.css"]').count(), 1);
    assert.equal(await v.page.evaluate(() => getComputedStyle(document.querySelector('.run-coefficients .coef-editor')!).display), 'grid');
    assert.equal(await v.page.isVisible('.run-coefficients'), true);
    assert.equal(await v.page.inputValue('#epsilon-0 input'), '2');
    assert.equal(await v.page.inputValue('#label-smoothing input'), '0.1');
    assert.equal(await v.page.textContent('#run-base'), 'Runs on iris · mlp · 3 epochs, the settings of this run "iris poly".');
    await assertDraws(v.page, { type: 'poly', epsilon: 2, labelSmoothing: 0.1 });

    await v.page.locator('#epsilon-0 input').scrollIntoViewIfNeeded();
    await retype(v.page, '#epsilon-0 input', '0.5');
    await v.settle();
    await assertDraws(v.page, { type: 'poly', epsilon: 0.5, labelSmoothing: 0.1 });
    await retype(v.page, '#epsilon-0 input', '-4');
    await v.settle();
    await assertDraws(v.page, { type: 'poly', epsilon: -4, labelSmoothing: 0.1 });
    await retype(v.page, '#epsilon-0 input', '0.5');
    await v.settle();
    await v.page.screenshot({ path: screenshotPath('dashboard-coefficients-dark.png'), fullPage: true });

    await v.page.click('#run');
    await v.settle();
    const loss: LossSpec = { type: 'poly', epsilon: 0.5, labelSmoothing: 0.1 };
    assert.deepEqual(started, [[expectedRerun(loss)]]);
    assert.equal(await v.page.textContent('#status'), 'Queued Poly-1 ε=0.5 ls=0.1 on iris · mlp · 3 epochs (settings of "iris poly"): run coef-1');

    await v.page.click('#save');
    await v.settle();
    assert.deepEqual(saved, [loss]);
    assert.equal(await v.page.textContent('#status'), 'Added run "poly 0.5" to study.polyloss.json');

    // Another run shown: its loss and its settings.
    v.relay.focus({ runIds: ['pf'], tab: 'detail' });
    await v.settle();
    assert.deepEqual(await Promise.all(['#epsilon-0 input', '#epsilon-1 input', '#gamma input'].map((s) => v.page.inputValue(s))), ['1', '0.5', '2']);
    assert.match(await v.page.textContent('#run-base') ?? '', /the settings of this run "focal poly"\.$/);
    await v.page.click('#run');
    await v.settle();
    const { name: _name, ...pfSettings } = host.records.get('pf')!.config;
    assert.deepEqual(started[1], [pfSettings]);

    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
    assert.deepEqual(host.logs, []);
  } finally {
    await v.close();
  }
});

test('Run tab: each answer reaches the request it answers; a run still queuing for one run does not report on the next run shown', async () => {
  const host = workspace();
  const queuing: { configs: RunConfig[]; finish(): void }[] = [];
  const v = await openView(web.browser, web.origin, 'dashboard', host, {
    focus: { runIds: ['a'], tab: 'detail' },
    coefficients: {
      // The queue answers when the test says so, so two requests are in flight at once.
      startRuns: (configs) => new Promise((resolve) => queuing.push({ configs, finish: () => resolve([`coef-${configs[0].loss.type}`]) })),
      saveToExperimentFile: async () => undefined,
      defaultConfig: () => structuredClone(DEFAULT_CONFIG),
    },
  });
  try {
    await v.page.click('#run');
    await v.settle();
    assert.equal(await v.page.textContent('#status'), 'Queuing the run…');
    assert.equal(await v.page.getAttribute('#run', 'disabled'), '', 'Run waits for the answer');

    v.relay.focus({ runIds: ['pf'], tab: 'detail' });
    await v.settle();
    assert.equal(await v.page.getAttribute('#run', 'disabled'), null, 'the run shown now has nothing queuing');
    await v.page.click('#run');
    await v.settle();

    const requests = (await v.posted()).filter((m) => m.type === 'coefficients')
      .map((m) => m.message as { type: string; requestId?: string }).filter((m) => m.type === 'run');
    assert.equal(requests.length, 2);
    const [forA, forPf] = requests.map((m) => m.requestId!);
    assert.notEqual(forA, forPf);
    assert.deepEqual(queuing.map((q) => q.configs[0].loss.type), ['poly', 'poly-focal']);

    const answers = () => v.sent.flatMap((m) => (m.type === 'coefficients' && m.message.type === 'done' ? [m.message] : []));
    queuing[1].finish();
    await v.settle();
    assert.deepEqual(answers().map((m) => m.requestId), [forPf]);
    const pfStatus = await v.page.textContent('#status');
    assert.match(pfStatus ?? '', /^Queued .* \(settings of "focal poly"\): run coef-poly-focal$/);

    // The answer to the request made for run "a" comes last: it names that request and changes nothing here.
    queuing[0].finish();
    await v.settle();
    assert.deepEqual(answers().map((m) => [m.requestId, m.ok]), [[forPf, true], [forA, true]]);
    assert.match(answers()[1].message, /settings of "iris poly"\): run coef-poly$/);
    assert.equal(await v.page.textContent('#status'), pfStatus);
    assert.equal(await v.page.getAttribute('#run', 'disabled'), null);
    assert.deepEqual(v.consoleErrors, []);
    assert.deepEqual(host.logs, []);
  } finally {
    await v.close();
  }
});

test('Run tab: the typed coefficients survive a reload of the panel', async () => {
  const host = workspace();
  const first = await openView(web.browser, web.origin, 'dashboard', host, { focus: { runIds: ['a'], tab: 'detail' } });
  let state: unknown;
  try {
    await retype(first.page, '#epsilon-0 input', '7');
    await first.settle();
    state = await first.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  } finally {
    await first.close();
  }
  const v = await openView(web.browser, web.origin, 'dashboard', host, { state });
  try {
    assert.equal(await v.page.inputValue('#epsilon-0 input'), '7');
    await assertDraws(v.page, { type: 'poly', epsilon: 7, labelSmoothing: 0.1 });
  } finally {
    await v.close();
  }
});
