/** Something to release: a listener, a watcher. */
export interface Disposable {
  dispose(): void;
}

/** Unsubscribes the listener it was returned for. */
export type Disposer = () => void;

/**
 * Subscribes a listener; the same shape as vscode.Event, so models written in plain TypeScript
 * (tested without VS Code) can be handed to VS Code APIs that expect one.
 */
export type Event<T> = (listener: (value: T) => unknown, thisArgs?: unknown, disposables?: Disposable[]) => Disposable;

/** A typed event source for the host, the runner and the CLI alike. */
export class Emitter<T> {
  private listeners: { fn: (value: T) => unknown; thisArg: unknown }[] = [];

  readonly event: Event<T> = (listener, thisArgs?, disposables?) => {
    const entry = { fn: listener, thisArg: thisArgs };
    this.listeners.push(entry);
    const disposable = { dispose: () => { this.listeners = this.listeners.filter((l) => l !== entry); } };
    disposables?.push(disposable);
    return disposable;
  };

  /** The same as `event`, returning a function that unsubscribes. */
  on(listener: (value: T) => unknown): Disposer {
    const subscription = this.event(listener);
    return () => subscription.dispose();
  }

  /** Delivers to every listener; one listener throwing does not keep the value from the others. */
  fire(value: T): void {
    for (const { fn, thisArg } of [...this.listeners]) {
      try {
        fn.call(thisArg, value);
      } catch (e) {
        console.error('polyloss: event listener failed:', e);
      }
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}
