import type { Browser, Page } from 'playwright-core';
import type { ChartData } from '../../webview/coefficients/shapeCharts';
import type { LossSpec } from '../../src/core/lossSpec';
import type { RunConfig } from '../../src/core/runConfig';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { CoefficientEditorSession } from '../../src/host/webviews/coefficientEditorSession';
import { FakeServices } from './fakeHost';
import { openWebviewPage, type PageOptions } from './harness';

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
  /** Every message the host side posted to the page, in order. */
  sent: unknown[];
  /** Posts to the page as the host does, e.g. a message the session would not send. */
  postToPage(message: unknown): Promise<void>;
  settle(): Promise<void>;
  charts(): Promise<Record<'loss' | 'gradient' | 'coefficients', ChartData>>;
  violations(): Promise<unknown[]>;
  state(): Promise<unknown>;
  consoleErrors: string[];
  close(): Promise<void>;
}

export interface OpenCoefficientsOptions extends PageOptions {
  host?: FakeServices;
}

export async function openCoefficients(browser: Browser, origin: string, o: OpenCoefficientsOptions = {}): Promise<CoefficientsView> {
  const web = await openWebviewPage(browser, origin, 'coefficients', { ...o, width: o.width ?? 340, height: o.height ?? 1300 });
  const { page } = web;
  const host = o.host ?? new FakeServices();
  const started: RunConfig[][] = [];
  const saved: LossSpec[] = [];
  let nextId = 1;
  const session = new CoefficientEditorSession(web.port, host.services(), {
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
  await web.load();

  return {
    page, host, session, started, saved, sent: web.sent, postToPage: async (m) => void await web.port.postMessage(m), settle: () => web.settle(), consoleErrors: web.consoleErrors,
    charts: () => page.evaluate(() => (window as unknown as { __polylossCoefficients: { state(): Record<'loss' | 'gradient' | 'coefficients', ChartData> } }).__polylossCoefficients.state()),
    violations: () => page.evaluate(() => (window as unknown as { __violations: unknown[] }).__violations),
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    close: async () => { session.dispose(); await web.close(); },
  };
}
