import { randomBytes } from 'node:crypto';

/**
 * The HTML shell of every PolyLoss webview. It takes plain strings (no vscode import) so the
 * headless browser tests load exactly the page VS Code shows, under exactly the same CSP.
 */
export interface WebviewHtmlOptions {
  /** `webview.cspSource` in VS Code; the test server's origin in the browser tests. */
  cspSource: string;
  nonce: string;
  title: string;
  /** URL of the bundled script (dist/webview/<name>.js). */
  scriptUri: string;
  /** URLs of our stylesheets (media/css/…). */
  styleUris: string[];
  /** URL of codicon.css (its codicon.ttf sits next to it). */
  codiconUri: string;
  /** Which app the script mounts; read by the script from the body's data-view attribute. */
  view: string;
}

export type WebviewApp = 'dashboard' | 'compare' | 'coefficients';

/** The stylesheets (media/css) each app loads after webview.css; the dashboard embeds the coefficient editor. */
export const APP_STYLES: Record<WebviewApp, readonly string[]> = {
  dashboard: ['coefficients.css'],
  compare: [],
  coefficients: ['coefficients.css'],
};

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function buildWebviewHtml(o: WebviewHtmlOptions): string {
  const styles = o.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeAttr(u)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, o.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${escapeAttr(o.title)}</title>
  <link id="vscode-codicon-stylesheet" rel="stylesheet" href="${escapeAttr(o.codiconUri)}">
${styles}
</head>
<body data-view="${escapeAttr(o.view)}">
  <div id="app" class="app"></div>
  <script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
