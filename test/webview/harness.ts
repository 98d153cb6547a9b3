import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostMessage, ViewKind } from '../../src/core/viewProtocol';
import type { CoefficientEditorActions } from '../../src/host/webviews/coefficientEditorSession';
import { APP_STYLES, buildWebviewHtml, makeNonce, type WebviewApp } from '../../src/host/webviews/html';
import { WebviewRelay, type RelayHandlers } from '../../src/host/webviews/relay';
import type { WebviewPort } from '../../src/host/webviews/webviewPort';
import { Emitter, FakeServices } from './fakeHost';

/**
 * Runs a webview bundle in headless Chromium the way VS Code does: the page comes from the same
 * HTML builder under the same CSP, `acquireVsCodeApi` is a recording stand-in, and the other end
 * of the conversation is the real host relay over in-memory runs.
 */

export const ROOT = path.resolve(__dirname, '../..');
export const RESULTS = path.join(ROOT, 'test-results', 'webview');
export type Theme = 'light' | 'dark' | 'high-contrast';
const THEMES: readonly Theme[] = ['light', 'dark', 'high-contrast'];
const APPS: readonly WebviewApp[] = ['dashboard', 'compare', 'coefficients'];
/** The window property through which each app's page reports when its frame work is done. */
const DEBUG_GLOBAL: Record<WebviewApp, string> = { dashboard: '__polyloss', compare: '__polyloss', coefficients: '__polylossCoefficients' };

const SERVED = ['dist/webview/', 'media/', 'test/webview/themes/'];
const TYPES: Record<string, string> = {
  '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json', '.html': 'text/html',
};

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function assertBundlesBuilt(): void {
  for (const f of ['dist/webview/dashboard.js', 'dist/webview/compare.js', 'dist/webview/codicon.css', 'dist/webview/codicon.ttf']) {
    if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run \`node scripts/build.mjs\` first (npm run test:webview does)`);
  }
}

/** Serves the bundles, CSS and theme files, and the webview pages on 127.0.0.1. */
export async function startServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const app = /^\/view\/([a-z]+)$/.exec(url.pathname)?.[1] as WebviewApp | undefined;
    if (app && APPS.includes(app)) {
      const asked = url.searchParams.get('theme') as Theme;
      const theme = THEMES.includes(asked) ? asked : 'dark';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(buildWebviewHtml({
        cspSource: origin, nonce: makeNonce(), title: app, view: app,
        scriptUri: `${origin}/dist/webview/${app}.js`,
        codiconUri: `${origin}/dist/webview/codicon.css`,
        styleUris: [`${origin}/test/webview/themes/${theme}.css`, ...['webview.css', ...APP_STYLES[app]].map((f) => `${origin}/media/css/${f}`)],
      }));
      return;
    }
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.join(ROOT, rel);
    if (!SERVED.some((p) => rel.startsWith(p)) || !file.startsWith(ROOT) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** The Chromium and the page server a test file's tests share. */
export interface WebSuite {
  browser: Browser;
  origin: string;
}

/** Starts the page server and Chromium before the calling test file's tests and closes them after; the fields are set once they run. */
export function useBrowser(): WebSuite {
  const web = {} as WebSuite;
  let server: Server | undefined;
  before(async () => {
    assertBundlesBuilt();
    const started = await startServer();
    server = started.server;
    web.origin = started.origin;
    web.browser = await launchBrowser();
  });
  after(async () => {
    await web.browser?.close();
    server?.close();
  });
  return web;
}

/**
 * Installed before any page script: the VS Code API stand-in (recording posts and relaying them to
 * the host side), the theme class on <body>, and a log of CSP violations. A string, not a function,
 * because the TypeScript loader would add helpers the page does not have.
 */
export function initScript(theme: Theme, state: unknown): string {
  return `(() => {
    const posted = [];
    const violations = [];
    let saved = ${JSON.stringify(state)};
    window.__posted = posted;
    window.__violations = violations;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => { posted.push(m); window.__toHost(JSON.parse(JSON.stringify(m))); },
      getState: () => saved,
      setState: (s) => { saved = s; window.__state = s; },
    });
    document.addEventListener('securitypolicyviolation', (e) => {
      violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
    });
    new MutationObserver((_, observer) => {
      if (!document.body) return;
      document.body.classList.add('vscode-${theme}');
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  })();`;
}

export interface PageOptions {
  theme?: Theme;
  state?: unknown;
  width?: number;
  height?: number;
}

/**
 * One webview app's page with the VS Code API stand-in, and the host side's end of the message
 * pipe: `port` is what a WebviewRelay or CoefficientEditorSession is given.
 */
export interface WebviewPage {
  page: Page;
  port: WebviewPort;
  /** Every message the host side posted to the page, in order. */
  sent: unknown[];
  consoleErrors: string[];
  /** Opens the app's page and waits until it has started and settled. */
  load(flush?: () => void): Promise<void>;
  /** Waits until messages stop flowing both ways and the page has drawn its frame; `flush` sends what the host side holds back. */
  settle(flush?: () => void): Promise<void>;
  close(): Promise<void>;
}

export async function openWebviewPage(browser: Browser, origin: string, app: WebviewApp, o: PageOptions & { width: number; height: number }): Promise<WebviewPage> {
  const theme = o.theme ?? 'dark';
  const context = await browser.newContext({ viewport: { width: o.width, height: o.height } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  const received = new Emitter<unknown>();
  let traffic = 0;
  let chain: Promise<unknown> = Promise.resolve();
  await page.exposeFunction('__toHost', (m: unknown) => { traffic++; received.fire(m); });
  await page.addInitScript(initScript(theme, o.state ?? null));

  const sent: unknown[] = [];
  const port: WebviewPort = {
    postMessage: (m: unknown) => {
      traffic++;
      sent.push(m);
      // Like VS Code, typed arrays (the metric columns) arrive as typed arrays.
      chain = chain.then(() => page.evaluate((msg) => window.postMessage(msg, '*'), m as never));
      return chain.then(() => true);
    },
    onDidReceiveMessage: received.event,
  };

  const debugGlobal = DEBUG_GLOBAL[app];
  const settle = async (flush?: () => void) => {
    for (let round = 0; round < 50; round++) {
      const before = traffic;
      flush?.();
      await chain;
      await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => r())));
      await page.evaluate((g) => (window as unknown as Record<string, { idle(): Promise<void> }>)[g].idle(), debugGlobal);
      await new Promise((r) => setTimeout(r, 20));
      if (traffic === before) return;
    }
    throw new Error('messages kept flowing');
  };
  const load = async (flush?: () => void) => {
    await page.goto(`${origin}/view/${app}?theme=${theme}`);
    await page.waitForFunction((g) => g in window, debugGlobal);
    await settle(flush);
  };
  return { page, port, sent, consoleErrors, load, settle, close: () => context.close() };
}

export interface ViewHarness {
  page: Page;
  relay: WebviewRelay;
  host: FakeServices;
  /** Every message the host side posted to the page, in order. */
  sent: HostMessage[];
  handled: { exports: { kind: 'png' | 'csv' | 'json'; data: string; fileName: string }[]; opened: string[][]; errors: string[] };
  /** Waits until messages stop flowing both ways and the page has drawn its frame. */
  settle(): Promise<void>;
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  violations(): Promise<{ directive: string; blocked: string; sample: string }[]>;
  consoleErrors: string[];
  close(): Promise<void>;
}

export interface OpenOptions extends PageOptions {
  focus?: { runIds: string[]; tab: 'runs' | 'compare' | 'detail' | 'sweep' };
  /** What the dashboard's embedded coefficient editor runs and saves with (VS Code's part, recorded by the test). */
  coefficients?: CoefficientEditorActions;
}

export async function openView(browser: Browser, origin: string, view: ViewKind, host: FakeServices, o: OpenOptions = {}): Promise<ViewHarness> {
  const web = await openWebviewPage(browser, origin, view, { ...o, width: o.width ?? 1200, height: o.height ?? 900 });
  const { page } = web;
  const handled: ViewHarness['handled'] = { exports: [], opened: [], errors: [] };
  const handlers: RelayHandlers = {
    openDashboard: (ids) => void handled.opened.push(ids),
    exportPng: async (data, fileName) => void handled.exports.push({ kind: 'png', data, fileName }),
    exportCsv: async (data, fileName) => void handled.exports.push({ kind: 'csv', data, fileName }),
    exportJson: async (data, fileName) => void handled.exports.push({ kind: 'json', data, fileName }),
    showError: (m) => void handled.errors.push(m),
    coefficients: o.coefficients,
  };
  const relay = new WebviewRelay(web.port, view, host.services(), handlers, o.focus);
  const settle = () => web.settle(() => relay.flush());
  await web.load(() => relay.flush());

  return {
    page, relay, host, sent: web.sent as HostMessage[], handled, settle, consoleErrors: web.consoleErrors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    violations: () => page.evaluate(() => (window as unknown as { __violations: { directive: string; blocked: string; sample: string }[] }).__violations),
    close: async () => { relay.dispose(); await web.close(); },
  };
}

/** What a chart draws, from the Chart.js instance behind it (see webview/shared/debug.ts). */
export interface ChartState {
  yScale: string;
  xTitle: string;
  datasets: { label: string; color: string; width: number; points: [number, number][]; drawn: number }[];
  legend: string[];
}

export function chartState(page: Page, name: string): Promise<ChartState> {
  return page.evaluate((n) => (window as unknown as { __polyloss: { chartState(n: string): ChartState } }).__polyloss.chartState(n), name);
}

/** Picks a value in a vscode-single-select by its aria-label, as a user's choice would. */
export async function selectValue(page: Page, label: string, value: string): Promise<void> {
  await page.evaluate(([l, v]) => {
    const select = document.querySelector(`vscode-single-select[aria-label="${l}"]`) as HTMLElement & { value: string };
    select.value = v;
    select.dispatchEvent(new Event('change'));
  }, [label, value]);
}

export function screenshotPath(name: string): string {
  mkdirSync(RESULTS, { recursive: true });
  return path.join(RESULTS, name);
}
