import type { Event } from 'vscode';

/** The part of vscode.Webview that the relay and the coefficient editor need; a plain object in tests. */
export interface WebviewPort {
  postMessage(message: unknown): Thenable<boolean>;
  readonly onDidReceiveMessage: Event<unknown>;
}
