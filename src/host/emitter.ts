// A minimal event emitter whose `event` has the shape of vscode.Event, so the host's models can be
// plain TypeScript (tested without VS Code) and still be handed to code that expects vscode.Event.
import type * as vscode from 'vscode';

export class Emitter<T> {
  private listeners: { fn: (e: T) => unknown; thisArg: unknown }[] = [];

  readonly event: vscode.Event<T> = (listener, thisArgs?, disposables?) => {
    const entry = { fn: listener, thisArg: thisArgs };
    this.listeners.push(entry);
    const disposable = { dispose: () => { this.listeners = this.listeners.filter((l) => l !== entry); } };
    disposables?.push(disposable);
    return disposable;
  };

  fire(value: T): void {
    // A throwing listener must not keep the others from hearing the event.
    for (const { fn, thisArg } of [...this.listeners]) {
      try {
        fn.call(thisArg, value);
      } catch (e) {
        console.error(e);
      }
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}
