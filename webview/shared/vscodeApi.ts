import { isHostMessage, type HostMessage, type WebviewMessage } from '../../src/core/viewProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The webview's side of the protocol: typed posts, validated receipts, persisted UI state. */
export class HostConnection<S extends object> {
  private readonly api = acquireVsCodeApi();

  post(message: WebviewMessage): void {
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
  start(handler: (message: HostMessage) => void): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data;
      if (!isHostMessage(data)) {
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
    this.post({ type: 'ready' });
  }
}
