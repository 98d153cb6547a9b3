import type { Browser, Page } from 'playwright-core';
import type { ChartData } from '../../webview/coefficients/shapeCharts';
import type { LossSpec } from '../../src/core/lossSpec';
import type { RunConfig } from '../../src/core/runConfig';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { buildWebviewHtml, makeNonce } from '../../src/host/webviews/html';
import { CoefficientEditorSession } from '../../src/host/webviews/coefficientEditorSession';
import { Emitter, FakeServices } from './fakeHost';
import { initScript, type Theme } from './harness';

/**
 * The Coefficients view in headless Chromium: the page VS Code gets (same HTML builder, same CSP,
 * served next to the real bundles), a recording stand-in for acquireVsCodeApi, and on the other
 * end the real host session over in-memory runs. Starting runs and editing files are VS Code's
 * part; here they are recorded (the e2e scenario does them for real).
 */
export interface CoefficientsView {
  page: Page;
  host: FakeServices;
  session: CoefficientEditorSession;
  started: RunConfig[][];
  saved: LossSpec[];
  settle(): Promise<void>;
  charts(): Promise<Record<'loss' | 'gradient' | 'coefficients', ChartData>>;
  violations(): Promise<unknown[]>;
  state(): Promise<unknown>;
  consoleErrors: string[];
  close(): Promise<void>;
}

export interface OpenCoefficientsOptions {
  theme?: Theme;
  state?: unknown;
  host?: FakeServices;
  width?: number;
  height?: number;
}

export async function openCoefficients(browser: Browser, origin: string, o: OpenCoefficientsOptions = {}): Promise<CoefficientsView> {
  const theme = o.theme ?? 'dark';
  const context = await browser.newContext({ viewport: { width: o.width ?? 340, height: o.height ?? 1300 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  const received = new Emitter<unknown>();
  let traffic = 0;
  let chain: Promise<unknown> = Promise.resolve();
  await page.exposeFunction('__toHost', (m: unknown) => { traffic++; received.fire(m); });
  await page.addInitScript(initScript(theme, o.state ?? null));
  await page.route(`${origin}/view/coefficients`, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: buildWebviewHtml({
      cspSource: origin, nonce: makeNonce(), title: 'Coefficients', view: 'coefficients',
      scriptUri: `${origin}/dist/webview/coefficients.js`,
      codiconUri: `${origin}/dist/webview/codicon.css`,
      styleUris: [`${origin}/test/webview/themes/${theme}.css`, `${origin}/media/css/webview.css`, `${origin}/media/css/coefficients.css`],
    }),
  }));

  const host = o.host ?? new FakeServices();
  const started: RunConfig[][] = [];
  const saved: LossSpec[] = [];
  let nextId = 1;
  const session = new CoefficientEditorSession({
    postMessage: (m: unknown) => {
      traffic++;
      chain = chain.then(() => page.evaluate((msg) => window.postMessage(msg, '*'), m as never));
      return chain.then(() => true);
    },
    onDidReceiveMessage: received.event,
  }, host.services(), {
    startRuns: async (configs) => {
      started.push(configs);
      return configs.map(() => `run-${nextId++}`);
    },
    saveToExperimentFile: async (loss) => {
      saved.push(loss);
      return `Added run "x" to study.polyloss.json`;
    },
    defaultConfig: () => structuredClone(DEFAULT_CONFIG),
  });

  await page.goto(`${origin}/view/coefficients`);
  const settle = async () => {
    for (let round = 0; round < 50; round++) {
      const before = traffic;
      await chain;
      await page.evaluate(() => (window as unknown as { __polylossCoefficients: { idle(): Promise<void> } }).__polylossCoefficients.idle());
      await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => r())));
      await new Promise((r) => setTimeout(r, 20));
      if (traffic === before) return;
    }
    throw new Error('messages kept flowing');
  };
  await page.waitForFunction(() => '__polylossCoefficients' in window);
  await settle();

  return {
    page, host, session, started, saved, settle, consoleErrors,
    charts: () => page.evaluate(() => (window as unknown as { __polylossCoefficients: { state(): Record<'loss' | 'gradient' | 'coefficients', ChartData> } }).__polylossCoefficients.state()),
    violations: () => page.evaluate(() => (window as unknown as { __violations: unknown[] }).__violations),
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    close: async () => { session.dispose(); await context.close(); },
  };
}
