import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PersistentRunSelection, SELECTION_KEY, type KeyValueStore } from '../../src/host/selection';

/** workspaceState stand-in: a Map that survives "reloads" (new selection objects). */
class MapStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Thenable<void> {
    this.data.set(key, structuredClone(value));
    return Promise.resolve();
  }
}

describe('run selection', () => {
  it('persists across reloads of the window', () => {
    const store = new MapStore();
    new PersistentRunSelection(store).set(['b', 'a']);
    assert.deepEqual(new PersistentRunSelection(store).get(), ['b', 'a']);
  });

  it('fires once per real change, without duplicates', () => {
    const selection = new PersistentRunSelection(new MapStore());
    const heard: (readonly string[])[] = [];
    selection.onDidChange((ids) => heard.push(ids));
    selection.set(['a', 'a', 'b']);
    selection.set(['a', 'b']);
    selection.add(['c', 'a']);
    selection.remove(['a']);
    assert.deepEqual(heard, [['a', 'b'], ['a', 'b', 'c'], ['b', 'c']]);
  });

  it('drops runs that no longer exist', () => {
    const store = new MapStore();
    const selection = new PersistentRunSelection(store);
    selection.set(['a', 'gone', 'b']);
    selection.retain(new Set(['a', 'b', 'c']));
    assert.deepEqual(selection.get(), ['a', 'b']);
    assert.deepEqual(store.data.get(SELECTION_KEY), ['a', 'b']);
  });

  it('keeps a tick whose run is not listed yet but whose folder is still on disk', () => {
    const selection = new PersistentRunSelection(new MapStore());
    selection.set(['loaded', 'loading', 'deleted']);
    selection.retain(new Set(['loaded']), (id) => id === 'loading');
    assert.deepEqual(selection.get(), ['loaded', 'loading']);
  });

  it('ignores a corrupt saved value', () => {
    const store = new MapStore();
    store.data.set(SELECTION_KEY, ['ok', 3, null]);
    assert.deepEqual(new PersistentRunSelection(store).get(), ['ok']);
    store.data.set(SELECTION_KEY, 'nope');
    assert.deepEqual(new PersistentRunSelection(store).get(), []);
  });
});
