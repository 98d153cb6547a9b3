import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { lossShape, ptGrid } from '../../src/core/lossShape';
import type { LossSpec } from '../../src/core/lossSpec';
import { parseEpsilonText, validateLossSpec } from '../../src/core/validate';
import { FakeServices } from './fakeHost';
import { makeRun } from './fixtures';
import { openCoefficients, type CoefficientsView } from './coefficientsHarness';
import { screenshotPath, useBrowser } from './harness';

const web = useBrowser();

/** Replaces a text field's content by typing, key by key, as a person does. */
async function typeInto(page: Page, id: string, text: string): Promise<void> {
  const input = page.locator(`#${id} input`);
  await input.click();
  await input.press('Control+a');
  await input.press('Backspace');
  await input.pressSequentially(text);
}

function assertCurve(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((y, i) => assert.ok(Math.abs(y - expected[i]) < 1e-12, `${what}[${i}]: ${y} vs ${expected[i]}`));
}

/** The charts must draw exactly the core's shape of `spec` (edited loss first, then the references). */
async function assertDraws(v: CoefficientsView, spec: LossSpec): Promise<void> {
  const charts = await v.charts();
  const shape = lossShape(spec);
  assert.deepEqual(charts.loss.datasets.map((d) => d.label), shape.curves.map((c) => c.label));
  shape.curves.forEach((curve, i) => {
    assertCurve(charts.loss.datasets[i].data, curve.loss, `${curve.label} L`);
    assertCurve(charts.gradient.datasets[i].data, curve.negGrad, `${curve.label} −dL/dPt`);
  });
  assert.deepEqual(charts.coefficients.labels, shape.coefficients.labels);
  assertCurve(charts.coefficients.datasets[0].data, shape.coefficients.values, 'α');
}

test('starts at Poly-1 ε = 2 drawn over CE and focal, with no CSP violation', async () => {
  const v = await openCoefficients(web.browser, web.origin);
  try {
    await assertDraws(v, { type: 'poly', epsilon: 2 });
    const charts = await v.charts();
    assert.equal(charts.gradient.datasets[0].data.at(-1), 3, '−dL/dPt at Pt = 1 is 1 + ε');
    assert.equal(await v.page.textContent('#alpha-0'), 'α1 = 3');
    assert.match(await v.page.textContent('#run-base') ?? '', /^Runs on digits · mlp · 10 epochs \(the New Run defaults/);
    assert.equal(await v.page.isHidden('#gamma-row'), true, 'γ is hidden for Poly');
    await v.page.screenshot({ path: screenshotPath('coefficients-initial-dark.png'), fullPage: true });
    assert.deepEqual(await v.violations(), []);
    assert.deepEqual(v.consoleErrors, []);
    assert.deepEqual(v.host.logs, []);
  } finally {
    await v.close();
  }
});

test('typing ε redraws the curves on every keystroke; an invalid ε shows the ε message on its field', async () => {
  const v = await openCoefficients(web.browser, web.origin);
  try {
    const input = v.page.locator('#epsilon-0 input');
    await input.click();
    await input.press('Control+a');
    await input.pressSequentially('0.');
    await v.settle();
    // "0." is already a number: the chart follows before the field is left.
    await assertDraws(v, { type: 'poly', epsilon: 0 });
    await input.pressSequentially('5');
    await v.settle();
    await assertDraws(v, { type: 'poly', epsilon: 0.5 });
    assert.equal(await v.page.textContent('#alpha-0'), 'α1 = 1.5');

    await typeInto(v.page, 'epsilon-0', '0.5x');
    await v.settle();
    const expected = parseEpsilonText('0.5x');
    assert.ok(!expected.ok);
    assert.equal(await v.page.textContent('#epsilon-0-message'), expected.message);
    assert.equal(await v.page.getAttribute('#epsilon-0-message', 'class'), 'field-message error');
    assert.equal(await v.page.evaluate(() => (document.querySelector('#epsilon-0') as HTMLElement & { invalid: boolean }).invalid), true);
    assert.equal(await v.page.getAttribute('#run', 'disabled'), '', 'Run is off while a field is wrong');
    const charts = await v.charts();
    assert.deepEqual(charts.loss.datasets.map((d) => d.label), ['CE', 'Focal γ=2'], 'only the references while ε is wrong');
    assert.equal(await v.page.textContent('#alpha-0'), '');
    await v.page.screenshot({ path: screenshotPath('coefficients-invalid-epsilon-dark.png'), fullPage: true });

    // ε < −1: allowed, with the validator's warning that the loss is no longer monotone.
    await typeInto(v.page, 'epsilon-0', '−3');
    await v.settle();
    await assertDraws(v, { type: 'poly', epsilon: -3 });
    const warning = validateLossSpec({ type: 'poly', epsilon: -3 }).warnings[0].message;
    assert.equal(await v.page.textContent('#epsilon-message'), warning);
    assert.equal(await v.page.getAttribute('#epsilon-message', 'class'), 'field-message warning');
    assert.equal(await v.page.textContent('#epsilon-0-message'), '');
    assert.equal(await v.page.getAttribute('#run', 'disabled'), null);
    assert.deepEqual(await v.state(), { draft: { type: 'poly', epsilons: ['−3'], gamma: '', labelSmoothing: '' } });
  } finally {
    await v.close();
  }
});

test('add and remove ε terms; a list typed in one field becomes one field per term', async () => {
  const v = await openCoefficients(web.browser, web.origin);
  try {
    assert.equal(await v.page.getAttribute('.remove-term', 'disabled'), '', 'the only term cannot be removed');
    await v.page.click('#add-term');
    await v.settle();
    assert.equal(await v.page.locator('.term-line').count(), 2);
    assert.equal(await v.page.locator('#epsilon-1 input').inputValue(), '0');
    await typeInto(v.page, 'epsilon-1', '0.5');
    await v.settle();
    await assertDraws(v, { type: 'poly', epsilon: [2, 0.5] });
    assert.equal(await v.page.textContent('#alpha-1'), 'α2 = 1');
    assert.equal(await v.page.textContent('#add-term'), 'Add ε3');

    await v.page.click('vscode-button[aria-label="Remove ε1"]');
    await v.settle();
    assert.equal(await v.page.locator('.term-line').count(), 1);
    await assertDraws(v, { type: 'poly', epsilon: 0.5 });

    await typeInto(v.page, 'epsilon-0', '1, 0.5, -0.2');
    await v.settle();
    await assertDraws(v, { type: 'poly', epsilon: [1, 0.5, -0.2] });
    await v.page.locator('#epsilon-0 input').press('Enter');
    await v.page.locator('#epsilon-0 input').blur();
    await v.settle();
    assert.deepEqual(await Promise.all([0, 1, 2].map((i) => v.page.locator(`#epsilon-${i} input`).inputValue())), ['1', '0.5', '-0.2']);
    assert.equal(await v.page.textContent('#alpha-2'), 'α3 = 0.133');
    await assertDraws(v, { type: 'poly', epsilon: [1, 0.5, -0.2] });
    await v.page.screenshot({ path: screenshotPath('coefficients-three-terms-dark.png'), fullPage: true });
  } finally {
    await v.close();
  }
});

test('focal types show γ with the validator\'s message; label smoothing is checked and noted', async () => {
  const v = await openCoefficients(web.browser, web.origin, { theme: 'light' });
  try {
    await v.page.click('#loss-type');
    await v.page.locator('#loss-type ul.options li', { hasText: 'Poly focal' }).click();
    await v.settle();
    assert.equal(await v.page.isVisible('#gamma-row'), true);
    await assertDraws(v, { type: 'poly-focal', epsilon: 2 });
    await typeInto(v.page, 'gamma', '-1');
    await v.settle();
    assert.equal(await v.page.textContent('#gamma-message'), 'loss.gamma must be ≥ 0 (got -1)');
    await typeInto(v.page, 'gamma', '1');
    await v.settle();
    await assertDraws(v, { type: 'poly-focal', epsilon: 2, gamma: 1 });
    assert.equal((await v.charts()).loss.datasets[2].label, 'Focal γ=1', 'the focal reference has the edited γ');

    await typeInto(v.page, 'label-smoothing', '1.5');
    await v.settle();
    assert.equal(await v.page.textContent('#label-smoothing-message'), 'loss.labelSmoothing must be in [0, 1) (got 1.5)');
    await typeInto(v.page, 'label-smoothing', '0.1');
    await v.settle();
    assert.equal(await v.page.isVisible('#smoothing-note'), true);
    await assertDraws(v, { type: 'poly-focal', epsilon: 2, gamma: 1 });
    await v.page.screenshot({ path: screenshotPath('coefficients-poly-focal-light.png'), fullPage: true });
    assert.deepEqual(await v.violations(), []);
  } finally {
    await v.close();
  }
});

test('Run with these coefficients trains on the ticked run\'s settings, else the defaults; Save sends the loss', async () => {
  const host = new FakeServices();
  host.addRun(makeRun('iris-run', { name: 'iris poly', config: { dataset: { name: 'iris' }, epochs: 5, name: 'iris poly', experiment: 'e' } }));
  const v = await openCoefficients(web.browser, web.origin, { host });
  try {
    await typeInto(v.page, 'epsilon-0', '1.5');
    await v.settle();
    await v.page.click('#run');
    await v.settle();
    assert.equal(v.started.length, 1);
    assert.deepEqual(v.started[0][0].loss, { type: 'poly', epsilon: 1.5 });
    assert.equal(v.started[0][0].dataset?.name, 'digits');
    assert.match(await v.page.textContent('#status') ?? '', /^Queued Poly-1 ε=1\.5 on digits · mlp · 10 epochs: run run-1$/);

    host.selection.set(['iris-run']);
    await v.settle();
    assert.equal(await v.page.textContent('#run-base'), 'Runs on iris · mlp · 5 epochs, the settings of the ticked run "iris poly".');
    await v.page.click('#run');
    await v.settle();
    const config = v.started[1][0];
    assert.equal(config.dataset?.name, 'iris');
    assert.equal(config.epochs, 5);
    assert.equal(config.name, undefined, 'the new run gets its own name');
    assert.equal(config.experiment, undefined, 'and does not pose as a run of the experiment');

    await v.page.click('#save');
    await v.settle();
    assert.deepEqual(v.saved, [{ type: 'poly', epsilon: 1.5 }]);
    assert.equal(await v.page.textContent('#status'), 'Added run "x" to study.polyloss.json');
  } finally {
    await v.close();
  }
});

test('two Run clicks are two requests with ids of their own, each answered by its id; an answer to no request of the page changes nothing', async () => {
  const v = await openCoefficients(web.browser, web.origin);
  try {
    await v.page.click('#run');
    await v.settle();
    await typeInto(v.page, 'epsilon-0', '3');
    await v.page.click('#run');
    await v.settle();
    const posted = await v.page.evaluate(() => (window as unknown as { __posted: { type: string; requestId?: string }[] }).__posted);
    const requests = posted.filter((m) => m.type === 'run').map((m) => m.requestId);
    assert.equal(requests.length, 2);
    assert.notEqual(requests[0], requests[1]);
    const answers = v.sent.filter((m) => (m as { type: string }).type === 'done') as { requestId: string; message: string }[];
    assert.deepEqual(answers.map((m) => m.requestId), requests);
    assert.deepEqual(answers.map((m) => m.message.match(/run (run-\d)$/)?.[1]), ['run-1', 'run-2']);
    assert.deepEqual(v.started.map((configs) => configs[0].loss), [{ type: 'poly', epsilon: 2 }, { type: 'poly', epsilon: 3 }]);
    const status = await v.page.textContent('#status');
    assert.match(status ?? '', /^Queued Poly-1 ε=3 .*: run run-2$/);

    // An answer from before a reload of the page (or to a forgotten request) names an id this page never sent.
    await v.postToPage({ type: 'done', requestId: `${requests[0]}-earlier`, ok: false, message: 'The run was not started' });
    await v.settle();
    assert.equal(await v.page.textContent('#status'), status);
    assert.deepEqual(v.consoleErrors, []);
  } finally {
    await v.close();
  }
});

test('a loss sent by the host fills the fields; a saved state comes back after a reload', async () => {
  const v = await openCoefficients(web.browser, web.origin, { state: { draft: { type: 'poly', epsilons: ['4', '1'], gamma: '', labelSmoothing: '' } } });
  try {
    await assertDraws(v, { type: 'poly', epsilon: [4, 1] });
    v.session.load({ type: 'focal', gamma: 3 }, 'from run "f"');
    await v.settle();
    assert.equal(await v.page.locator('#gamma input').inputValue(), '3');
    assert.equal(await v.page.isHidden('#epsilon-0'), true);
    await assertDraws(v, { type: 'focal', gamma: 3 });
    assert.equal(await v.page.textContent('#status'), 'Loaded from run "f".');
    assert.equal(ptGrid().length, (await v.charts()).loss.datasets[0].data.length);
  } finally {
    await v.close();
  }
});
