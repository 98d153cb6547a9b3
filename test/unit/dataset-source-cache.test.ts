import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheDatasetSource, loadDataset, SourceCache } from '../../src/training/datasets/index';
import type { DatasetSpec } from '../../src/core/runConfig';
import type { LabelledData } from '../../src/training/datasets/types';

/** A cache that counts the sources it had to load. */
class CountingCache extends SourceCache {
  loads = 0;
  override get(key: string | undefined, load: () => Promise<LabelledData>): Promise<LabelledData> {
    return super.get(key, () => {
      this.loads++;
      return load();
    });
  }
}

function csvRows(count: number): string {
  return Array.from({ length: count }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2 ? 'cat' : 'dog'}`).join('\n');
}

describe('parsed dataset sources kept between runs', () => {
  it('warm-up parses the file once; the runs then split it as a fresh load does, and an edited file is read again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'polyloss-source-cache-'));
    try {
      const file = path.join(dir, 'data.csv');
      writeFileSync(file, `a,b,label\n${csvRows(40)}\n`);
      const spec: DatasetSpec = { name: 'csv', path: 'data.csv', labelColumn: 'label', validationFraction: 0.25, testFraction: 0.25 };
      const cache = new CountingCache();
      await cacheDatasetSource(spec, { workspaceDir: dir, cache });
      assert.equal(cache.loads, 1);
      const [first, second] = [await loadDataset(spec, 1, { workspaceDir: dir, cache }), await loadDataset(spec, 2, { workspaceDir: dir, cache })];
      assert.equal(cache.loads, 1, 'the runs found the warm-up\'s parse');
      const fresh = await loadDataset(spec, 2, { workspaceDir: dir });
      assert.deepEqual(second.train.x, fresh.train.x);
      assert.deepEqual(second.test.y, fresh.test.y);
      assert.notDeepEqual(first.train.y, second.train.y, 'each run splits with its own seed');

      appendFileSync(file, `${csvRows(20)}\n`);
      const edited = await loadDataset(spec, 1, { workspaceDir: dir, cache });
      assert.equal(cache.loads, 2);
      assert.equal(edited.train.n + edited.validation.n + edited.test.n, 60);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the most recently used sources within its size and loads the evicted one again', async () => {
    const source = (n: number): LabelledData => ({ x: new Float32Array(n), y: new Int32Array(n) } as unknown as LabelledData);
    const cache = new SourceCache(3 * 8 * 100);  // three sources of 100 examples (4 bytes of x and of y each)
    let loads = 0;
    const get = (key: string) => cache.get(key, async () => { loads++; return source(100); });
    for (const key of ['a', 'b', 'c', 'a', 'd']) await get(key);
    assert.equal(loads, 4, 'a was kept for its second use');
    await get('a');
    assert.equal(loads, 4, 'a, used last but one, stayed when d came');
    await get('b');
    assert.equal(loads, 5, 'b, the least recently used, went first');
    await cache.get(undefined, async () => { loads++; return source(1); });
    await cache.get(undefined, async () => { loads++; return source(1); });
    assert.equal(loads, 7, 'a source with no key (a file that could not be looked at) is never kept');
  });

  it('loads a source once when a second caller asks while the first load is under way, and again after a load failed', async () => {
    const cache = new SourceCache();
    let loads = 0;
    let finish!: (data: LabelledData) => void;
    const slow = () => { loads++; return new Promise<LabelledData>((resolve) => { finish = resolve; }); };
    const [first, second] = [cache.get('k', slow), cache.get('k', slow)];
    finish({ x: new Float32Array(3), y: new Int32Array(3) } as unknown as LabelledData);
    assert.equal(await first, await second);
    assert.equal(loads, 1);
    await assert.rejects(cache.get('bad', async () => { loads++; throw new Error('unreadable'); }), /unreadable/);
    await cache.get('bad', async () => { loads++; return { x: new Float32Array(1), y: new Int32Array(1) } as unknown as LabelledData; });
    assert.equal(loads, 3, 'a failed load is not kept: the next caller loads again');
  });
});
