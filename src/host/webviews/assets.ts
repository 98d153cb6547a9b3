import * as vscode from 'vscode';
import { APP_STYLES, buildWebviewHtml, makeNonce, type WebviewApp } from './html';

/** Where webview assets live inside the extension; the only folders a webview may load from. */
function roots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: roots(extensionUri) };
}

/** Sets options and HTML of a webview that runs the bundle dist/webview/<app>.js with its stylesheets. */
export function loadWebviewApp(webview: vscode.Webview, extensionUri: vscode.Uri, app: WebviewApp, title: string): void {
  webview.options = webviewOptions(extensionUri);
  const uri = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
  webview.html = buildWebviewHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    title,
    view: app,
    scriptUri: uri('dist', 'webview', `${app}.js`),
    codiconUri: uri('dist', 'webview', 'codicon.css'),
    styleUris: [uri('media', 'css', 'webview.css'), ...APP_STYLES[app].map((file) => uri('media', 'css', file))],
  });
}
