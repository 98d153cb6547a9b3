/** Tells this page's request ids from those of the page before a reload, whose answers may still come. */
const PAGE = Math.random().toString(36).slice(2, 10);
let counter = 0;

/**
 * The requests a part of a webview sent that expect an answer (run, save, get a tune), by the id
 * each carries. The host's answer names that id, so it reaches the request it answers, and an answer
 * to a request that was forgotten (the part moved on to another run) or sent by an earlier page
 * matches nothing.
 */
export class PendingRequests<T> {
  private readonly pending = new Map<string, T>();

  /** A new request about `what`: the id to send with it. */
  open(what: T): string {
    const id = `${PAGE}-${++counter}`;
    this.pending.set(id, what);
    return id;
  }

  /** What request `id` was about, once; undefined when no open request has that id. */
  answered(id: string): T | undefined {
    const what = this.pending.get(id);
    this.pending.delete(id);
    return what;
  }

  /** Answers to the open requests will be ignored. */
  forget(): void {
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
