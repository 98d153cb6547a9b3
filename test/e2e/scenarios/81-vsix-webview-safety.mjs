// Strings from runs never become markup, and the dashboard's page runs only its own script: in the
// installed VSIX, a run named like an HTML tag (made by the CLI the VSIX ships) shows as those
// characters in the Runs tree, the dashboard table and the run detail, with no element made from it;
// the dashboard's document carries the strict CSP, under which a script injected without the nonce
// does not run and raises a `securitypolicyviolation` event.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { readRuns, runRow, webviewFrame } from '../lib/polyloss.mjs';
import { startVsixServer } from '../lib/vsix.mjs';
import { Workbench, waitFor } from '../lib/workbench.mjs';

export const title = 'The installed VSIX shows an HTML-like run name as text and its dashboard enforces the strict CSP';

const NAME = '<img src=x onerror=alert(1)>';

/** Elements of a tag in the page, shadow roots of custom elements included. */
function countDeep(frame, tag) {
  return frame.evaluate((t) => {
    const walk = (root) => [...root.querySelectorAll('*')].reduce((n, e) => n + (e.shadowRoot ? walk(e.shadowRoot) : 0), root.querySelectorAll(t).length);
    return walk(document);
  }, tag);
}

/** The CSP of the page as directive → sources. */
async function pagePolicy(frame) {
  const content = await frame.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '');
  const directives = new Map(content.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name, sources]));
  return { content, directives };
}

/**
 * Inserts an inline script that sets a global, with or without `nonce`, and reports whether it ran and
 * the CSP violation it raised (waited for up to a few seconds: the event is dispatched asynchronously).
 */
function injectScript(frame, marker, nonce) {
  return frame.evaluate(async ({ marker, nonce }) => {
    const violation = new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5000);
      document.addEventListener('securitypolicyviolation', (e) => {
        clearTimeout(timer);
        resolve({ directive: e.effectiveDirective, blockedURI: e.blockedURI, disposition: e.disposition });
      }, { once: true });
    });
    const script = document.createElement('script');
    if (nonce) script.nonce = nonce;
    script.textContent = `window[${JSON.stringify(marker)}] = true;`;
    document.body.append(script);
    // An allowed inline script runs as it is inserted; only a blocked one waits for the event.
    const ran = window[marker] === true;
    return { ran, violation: ran ? undefined : await violation };
  }, { marker, nonce });
}

export async function run({ wb: mainWorkbench, browser, check, lap, project, runDir }) {
  const vsix = await startVsixServer({ project, runDir, check, lap });
  try {
    const cli = spawnSync(process.execPath, [path.join(vsix.installedDir, 'dist', 'cli.js'), 'train', '--dataset', 'iris', '--epochs', '1',
      '--seed', '5', '--name', NAME, '--runs-dir', vsix.runsDir], { cwd: vsix.ws, env: vsix.env, encoding: 'utf8', timeout: 120000 });
    const made = readRuns(vsix.runsDir);
    check(cli.status === 0 && made.length === 1 && made[0].record.name === NAME && made[0].record.status === 'completed',
      `the installed CLI trained a run named ${NAME}${cli.status === 0 ? '' : `:\n${cli.stdout}${cli.stderr}`}`);

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    const wb = new Workbench(page, { resultsDir: process.env.E2E_RESULTS, lap, scenario: mainWorkbench.prefix });
    try {
      await wb.load(vsix.url);
      await wb.openViewContainer('PolyLoss');
      await wb.expandView('Runs');
      const row = runRow(wb, NAME, 'completed').first();
      await row.waitFor({ state: 'visible', timeout: 60000 });
      check(await row.locator('.label-name').first().textContent() === NAME, 'the Runs tree shows the name as its characters');
      check(await row.locator('img').count() === 0, 'the tree row holds no img element');
      await wb.screenshot('tree-html-name');

      await wb.runCommand('PolyLoss: Open Dashboard');
      const dashboard = await webviewFrame(page, 'dashboard');
      const cell = dashboard.locator('table.runs tbody td.name').first();
      await waitFor('the run in the dashboard table', async () => (await cell.textContent()) === NAME);
      check(true, 'the dashboard table shows the name as its characters');
      await cell.click();
      const heading = await waitFor('the run detail', async () => {
        const text = await dashboard.locator('.run-detail h2').textContent();
        return text === NAME ? text : undefined;
      });
      check(heading === NAME, 'the run detail heading shows the name as its characters');
      check(await countDeep(dashboard, 'img') === 0, 'no img element anywhere in the dashboard document');
      await wb.screenshot('dashboard-html-name');

      const { content, directives } = await pagePolicy(dashboard);
      lap(`dashboard CSP: ${content}`);
      check(directives.get('default-src')?.join(' ') === "'none'", "the CSP has default-src 'none'");
      const nonces = (directives.get('script-src') ?? []).filter((s) => /^'nonce-[A-Za-z0-9+/=]{16,}'$/.test(s));
      check(nonces.length === 1 && directives.get('script-src').length === 1, 'scripts are allowed by a nonce alone');
      check(!/unsafe-inline|unsafe-eval/.test(content), 'the CSP allows neither unsafe-inline nor unsafe-eval');
      const nonce = nonces[0].slice("'nonce-".length, -1);
      check(await dashboard.evaluate((n) => [...document.scripts].some((s) => s.nonce === n && s.src.endsWith('dashboard.js')), nonce),
        'the dashboard bundle is the script that carries the nonce');

      const blocked = await injectScript(dashboard, '__e2eInjected');
      check(!blocked.ran && await dashboard.evaluate(() => window.__e2eInjected) === undefined, 'an inline script injected without the nonce does not run');
      check(blocked.violation?.directive === 'script-src-elem' && blocked.violation.blockedURI === 'inline' && blocked.violation.disposition === 'enforce',
        `it raised a securitypolicyviolation event (${JSON.stringify(blocked.violation)})`);
      // The same injection with the page's nonce runs, so the check above can tell the two apart.
      const allowed = await injectScript(dashboard, '__e2eWithNonce', nonce);
      check(allowed.ran, 'the same script carrying the page\'s nonce runs');
      check(dialogs.length === 0, 'no dialog opened');
      await wb.screenshot('dashboard-csp');
    } finally {
      await page.context().close();
    }
  } finally {
    await vsix.stop();
  }
}
