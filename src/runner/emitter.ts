export type Disposer = () => void;

/** Minimal typed event source (node only, no vscode): `on` returns a function that unsubscribes. */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  on(listener: (value: T) => void): Disposer {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers to every listener; one listener throwing does not keep the value from the others. */
  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (e) {
        console.error('polyloss: event listener failed:', e);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
