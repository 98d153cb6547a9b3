import * as vscode from 'vscode';
import { buildWebviewHtml, makeNonce } from './html';

/** Where webview assets live inside the extension; the only folders a webview may load from. */
function roots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: roots(extensionUri) };
}

/** Sets options and HTML of a webview that runs the bundle dist/webview/<app>.js; `extraStyles` are media/css files. */
export function loadWebviewApp(webview: vscode.Webview, extensionUri: vscode.Uri, app: 'dashboard' | 'compare' | 'coefficients', title: string, extraStyles: string[] = []): void {
  webview.options = webviewOptions(extensionUri);
  const uri = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
  webview.html = buildWebviewHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    title,
    view: app,
    scriptUri: uri('dist', 'webview', `${app}.js`),
    codiconUri: uri('dist', 'webview', 'codicon.css'),
    styleUris: [uri('media', 'css', 'webview.css'), ...extraStyles.map((file) => uri('media', 'css', file))],
  });
}
