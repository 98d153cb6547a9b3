import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostMessage, ViewKind } from '../../src/core/viewProtocol';
import type { CoefficientEditorActions } from '../../src/host/webviews/coefficientEditorSession';
import { APP_STYLES, buildWebviewHtml, makeNonce } from '../../src/host/webviews/html';
import { WebviewRelay, type RelayHandlers } from '../../src/host/webviews/relay';
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
    const page = /^\/view\/(dashboard|compare)$/.exec(url.pathname);
    if (page) {
      const asked = url.searchParams.get('theme') as Theme;
      const theme = THEMES.includes(asked) ? asked : 'dark';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(buildWebviewHtml({
        cspSource: origin, nonce: makeNonce(), title: page[1], view: page[1],
        scriptUri: `${origin}/dist/webview/${page[1]}.js`,
        codiconUri: `${origin}/dist/webview/codicon.css`,
        styleUris: [`${origin}/test/webview/themes/${theme}.css`, ...['webview.css', ...APP_STYLES[page[1] as ViewKind]].map((f) => `${origin}/media/css/${f}`)],
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

export interface OpenOptions {
  theme?: Theme;
  state?: unknown;
  width?: number;
  height?: number;
  focus?: { runIds: string[]; tab: 'runs' | 'compare' | 'detail' | 'sweep' };
  /** What the dashboard's embedded coefficient editor runs and saves with (VS Code's part, recorded by the test). */
  coefficients?: CoefficientEditorActions;
}

export async function openView(browser: Browser, origin: string, view: ViewKind, host: FakeServices, o: OpenOptions = {}): Promise<ViewHarness> {
  const context = await browser.newContext({ viewport: { width: o.width ?? 1200, height: o.height ?? 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  const received = new Emitter<unknown>();
  let traffic = 0;
  let chain: Promise<unknown> = Promise.resolve();
  await page.exposeFunction('__toHost', (m: unknown) => { traffic++; received.fire(m); });
  await page.addInitScript(initScript(o.theme ?? 'dark', o.state ?? null));

  const sent: HostMessage[] = [];
  const handled: ViewHarness['handled'] = { exports: [], opened: [], errors: [] };
  const handlers: RelayHandlers = {
    openDashboard: (ids) => void handled.opened.push(ids),
    exportPng: async (data, fileName) => void handled.exports.push({ kind: 'png', data, fileName }),
    exportCsv: async (data, fileName) => void handled.exports.push({ kind: 'csv', data, fileName }),
    exportJson: async (data, fileName) => void handled.exports.push({ kind: 'json', data, fileName }),
    showError: (m) => void handled.errors.push(m),
    coefficients: o.coefficients,
  };
  const relay = new WebviewRelay({
    postMessage: (m: unknown) => {
      traffic++;
      sent.push(m as HostMessage);
      // Like VS Code, typed arrays (the metric columns) arrive as typed arrays.
      chain = chain.then(() => page.evaluate((msg) => window.postMessage(msg, '*'), m as never));
      return chain.then(() => true);
    },
    onDidReceiveMessage: received.event,
  }, view, host.services(), handlers, o.focus);

  await page.goto(`${origin}/view/${view}?theme=${o.theme ?? 'dark'}`);

  const settle = async () => {
    for (let round = 0; round < 50; round++) {
      const before = traffic;
      relay.flush();
      await chain;
      await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => r())));
      await page.evaluate(() => (window as unknown as { __polyloss: { idle(): Promise<void> } }).__polyloss.idle());
      await new Promise((r) => setTimeout(r, 20));
      if (traffic === before) return;
    }
    throw new Error('messages kept flowing');
  };
  await page.waitForFunction(() => '__polyloss' in window);
  await settle();

  return {
    page, relay, host, sent, handled, settle, consoleErrors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    violations: () => page.evaluate(() => (window as unknown as { __violations: { directive: string; blocked: string; sample: string }[] }).__violations),
    close: async () => { relay.dispose(); await context.close(); },
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

export function screenshotPath(name: string): string {
  mkdirSync(RESULTS, { recursive: true });
  return path.join(RESULTS, name);
}
