// Helpers that drive VS Code's workbench the way a person does: the command palette, quick inputs,
// views, tree items and their context menus, screenshots. Shared by every scenario.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

/** Polls `probe` until it returns a truthy value; fails with `what` after `timeout` ms. */
export async function waitFor(what, probe, { timeout = 30000, interval = 250 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export class Workbench {
  /**
   * @param {import('playwright-core').Page} page
   * @param {{ resultsDir: string, lap: (m: string) => void, scenario?: string }} opts  `scenario` names
   *   the screenshots (a scenario that opens a second VS Code passes its own name)
   */
  constructor(page, { resultsDir, lap, scenario = 'e2e' }) {
    this.page = page;
    this.resultsDir = resultsDir;
    this.lap = lap;
    this.startScenario(scenario);
  }

  /** Screenshots that follow are named after this scenario; its old ones are removed. */
  startScenario(name) {
    this.prefix = name;
    this.shots = 0;
    for (const f of existsSync(this.resultsDir) ? readdirSync(this.resultsDir) : []) {
      if (f.startsWith(`${name}-`) && f.endsWith('.png')) rmSync(path.join(this.resultsDir, f));
    }
  }

  async load(url) {
    await this.page.goto(url);
    await this.page.waitForSelector('.monaco-workbench', { timeout: 90000 });
  }

  /** Loads `url` unless the page already shows its folder (scenarios share one page). */
  async ensureLoaded(url) {
    const folder = new URL(url).searchParams.get('folder');
    const current = new URL(this.page.url() === 'about:blank' ? 'http://x/' : this.page.url()).searchParams.get('folder');
    const visible = await this.page.locator('.monaco-workbench').isVisible().catch(() => false);
    if (!visible || current !== folder) await this.load(url);
  }

  /** Saves test-results/e2e/<scenario>-NN-<name>.png. */
  async screenshot(name) {
    this.shots++;
    const file = path.join(this.resultsDir, `${this.prefix}-${String(this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Reloads the window as a person does (palette "Developer: Reload Window") and waits for the new
   * workbench: a marker set on the old page is gone once the new one has loaded.
   */
  async reloadWindow() {
    await this.page.evaluate(() => { window.__e2eBeforeReload = true; });
    await this.runCommand('Developer: Reload Window');
    await waitFor('the reloaded workbench', async () =>
      !(await this.page.evaluate(() => window.__e2eBeforeReload === true)) && this.page.locator('.monaco-workbench').isVisible(),
    { timeout: 90000, interval: 500 });
  }

  quickInput() {
    return this.page.locator('.quick-input-widget');
  }

  quickInputBox() {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  /** Opens the palette and runs a command by its full title ("PolyLoss: New Run…"), retrying until it is registered. */
  async runCommand(title, { timeout = 60000 } = {}) {
    await waitFor(`command "${title}" in the palette`, async () => {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('F1');
      const input = this.quickInputBox();
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`);
      const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      try {
        await row.waitFor({ state: 'visible', timeout: 2000 });
      } catch {
        await this.page.keyboard.press('Escape');
        return false;
      }
      // Exact label match: "Stop Run" must not pick "Stop All".
      const label = (await row.locator('.label-name').first().textContent())?.replace(/\s+/g, ' ').trim();
      if (label !== title) {
        await this.page.keyboard.press('Escape');
        throw new Error(`palette's first match is "${label}", not "${title}"`);
      }
      await row.click();
      return true;
    }, { timeout, interval: 1000 });
  }

  /** Waits for a quick input at `step` of its steps (the title ends with "(step/total)"). */
  /** Waits for step `step` of a wizard ("(3/7)" in the title), or, given text, for a quick input whose title has it. */
  async waitForStep(step) {
    const wanted = typeof step === 'number' ? `(${step}/` : step;
    await waitFor(`quick input ${typeof step === 'number' ? `step ${step}` : `"${step}"`}`, async () => {
      if (!(await this.quickInput().isVisible())) return false;
      const text = await this.page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '');
      return (text ?? '').includes(wanted);
    }, { timeout: 15000, interval: 150 });
  }

  /** In a quick pick: types a filter and accepts the item whose label is exactly `label`. */
  async pick(step, label) {
    await this.waitForStep(step);
    await this.quickInputBox().fill(label);
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({
      has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }),
    }).first();
    await row.waitFor({ state: 'visible', timeout: 5000 });
    await row.click();
  }

  /** In an input box: replaces the value and presses Enter. Returns the validation message shown, if any. */
  async type(step, value) {
    await this.waitForStep(step);
    const box = this.quickInputBox();
    await box.fill(value);
    await this.page.waitForTimeout(150); // validation runs on change
    const message = await this.validationMessage();
    await box.press('Enter');
    return message;
  }

  /** What the open quick input shows: its title, the placeholder of its box and the line under it. */
  async stepTexts() {
    const title = ((await this.page.locator('.quick-input-widget .quick-input-title').textContent()) ?? '').trim();
    const placeholder = (await this.quickInputBox().getAttribute('placeholder')) ?? '';
    return { title, placeholder, message: await this.validationMessage() };
  }

  async validationMessage() {
    const el = this.page.locator('.quick-input-widget .quick-input-message');
    return (await el.isVisible()) ? ((await el.textContent()) ?? '').trim() : '';
  }

  /**
   * Shows a view container in the side bar by its title ("PolyLoss"). Through the palette's
   * "View: Show …", which leaves an open container open (clicking its activity bar entry would
   * close the side bar when the window restored it open).
   */
  async openViewContainer(title) {
    await this.runCommand(`View: Show ${title}`);
    await waitFor(`the ${title} side bar`, async () =>
      (await this.page.locator('.part.sidebar .title-label h2').first().textContent().catch(() => ''))?.trim().toUpperCase() === title.toUpperCase(),
    { timeout: 10000 });
  }

  /** Expands a collapsed view pane of the side bar ("Runs"). */
  async expandView(name) {
    const header = this.page.locator(`.sidebar .pane-header[aria-label^="${name}"]`).first();
    await header.waitFor({ state: 'visible', timeout: 10000 });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    await waitFor(`the ${name} view expanded`, async () => (await header.getAttribute('aria-expanded')) === 'true', { timeout: 5000 });
  }

  /** The pane of a view by its name ("Runs"). */
  viewPane(name) {
    return this.page.locator('.sidebar .pane').filter({ has: this.page.locator(`.pane-header[aria-label^="${name}"]`) });
  }

  /** Tree rows of a view whose text contains `text` (string or RegExp). */
  treeItems(viewName, text) {
    const rows = this.viewPane(viewName).locator('.monaco-list-row');
    return text === undefined ? rows : rows.filter({ hasText: text });
  }

  /**
   * Right-clicks a tree row and chooses a context menu entry by its label. A menu ignores clicks
   * for a moment after it opens (so the right-click's release does not pick an entry), and a tree
   * refresh can close it before the entry is clicked: both are retried.
   */
  async contextMenu(row, label) {
    const menu = this.page.locator('.context-view .monaco-menu');
    const item = menu.locator('.action-item', { hasText: label }).first();
    let clicked = false;
    await waitFor(`context menu entry "${label}" to be taken`, async () => {
      const open = await menu.isVisible();
      if (!open && clicked) return true; // the menu closed (at once or late) after a click on the entry
      if (!open) await row.click({ button: 'right' });
      if (!(await item.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false))) {
        await this.page.keyboard.press('Escape'); // the menu of something else
        return false;
      }
      // A click in the menu's first moment is ignored and leaves it open: then it is clicked again.
      clicked = (await item.click({ timeout: 2000 }).then(() => true, () => false)) || clicked;
      await this.page.waitForTimeout(200);
      return clicked && !(await menu.isVisible());
    }, { timeout: 20000, interval: 300 });
  }
}

export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
