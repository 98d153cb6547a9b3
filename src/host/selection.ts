// The runs ticked for comparison, kept in workspaceState so they survive a reload.
import type { RunSelection } from './services';
import { Emitter } from '../core/emitter';

/** The part of vscode.Memento the selection uses (workspaceState in the extension, a Map in tests). */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export const SELECTION_KEY = 'polyloss.selectedRuns';

export class PersistentRunSelection implements RunSelection {
  private readonly changed = new Emitter<readonly string[]>();
  readonly onDidChange = this.changed.event;
  private ids: string[];

  constructor(private readonly store: KeyValueStore) {
    const saved = store.get<unknown>(SELECTION_KEY);
    this.ids = Array.isArray(saved) ? saved.filter((x): x is string => typeof x === 'string') : [];
  }

  get(): readonly string[] {
    return this.ids;
  }

  set(runIds: readonly string[]): void {
    const next = [...new Set(runIds)];
    if (next.length === this.ids.length && next.every((id, i) => id === this.ids[i])) return;
    this.ids = next;
    void this.store.update(SELECTION_KEY, next);
    this.changed.fire(next);
  }

  add(runIds: readonly string[]): void {
    this.set([...this.ids, ...runIds]);
  }

  remove(runIds: readonly string[]): void {
    const drop = new Set(runIds);
    this.set(this.ids.filter((id) => !drop.has(id)));
  }

  /**
   * Drops ids of runs that no longer exist (deleted from disk or in another window). A run missing
   * from `listed` is kept while `stillOnDisk` says its folder is there: after a reload the list fills
   * in run by run, and a partial list must not cost the user their ticks.
   */
  retain(listed: ReadonlySet<string>, stillOnDisk: (runId: string) => boolean = () => false): void {
    const kept = this.ids.filter((id) => listed.has(id) || stillOnDisk(id));
    if (kept.length !== this.ids.length) this.set(kept);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
