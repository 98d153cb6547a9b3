import type { HostMessage, WebviewMessage } from '../../src/core/viewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What every webview may tell the host when something went wrong on its side. */
interface ErrorReport {
  type: 'reportError';
  message: string;
}

/**
 * A webview's side of its protocol (the views' or the coefficient editor's): typed posts, validated
 * receipts, persisted UI state. The one place a webview talks to VS Code.
 */
export class HostConnection<S extends object, In extends { type: string } = HostMessage, Out extends { type: string } = WebviewMessage> {
  private readonly api = acquireVsCodeApi();

  /** @param isMessage the guard of the host's messages */
  constructor(private readonly isMessage: (x: unknown) => x is In) {}

  post(message: Out | ErrorReport): void {
    this.api.postMessage(message);
  }

  /** UI state saved before a reload or hide (VS Code keeps it per webview). */
  savedState(): Partial<S> {
    const s = this.api.getState();
    return typeof s === 'object' && s !== null ? (s as Partial<S>) : {};
  }

  saveState(state: S): void {
    this.api.setState(state);
  }

  /** Listens for host messages, drops malformed ones (reporting them), then says `ready`. */
  start(handler: (message: In) => void): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (!this.isMessage(data)) {
        const type = typeof data === 'object' && data !== null ? String((data as { type?: unknown }).type) : typeof data;
        this.post({ type: 'reportError', message: `dropped a malformed host message (type ${type})` });
        return;
      }
      try {
        handler(data);
      } catch (e) {
        this.post({ type: 'reportError', message: `failed to apply ${data.type}: ${e instanceof Error ? e.stack ?? e.message : String(e)}` });
      }
    });
    this.post({ type: 'ready' } as Out);
  }
}
