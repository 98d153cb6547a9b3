/**
 * Parsed dataset sources kept by a training worker between runs: a worker that trains the runs of a
 * sweep one after the other reads and decodes their shared data file once. An entry is keyed by the
 * files read, with their size and change times, and by the parse options, so an edited or replaced
 * file is read again. Entries are only read (each run's splits are copies, see prepareDataset).
 */
import { statSync } from 'node:fs';
import type { LabelledData } from './types';

/** How many bytes of examples a cache keeps; the least recently used source goes first. */
export const SOURCE_CACHE_BYTES = 512 * 1024 ** 2;

/**
 * The key of a source read from `files` with `options`, or undefined when a file cannot be looked at
 * (then nothing is cached, and loading reports what is wrong).
 */
export function sourceKey(files: readonly string[], options: unknown): string | undefined {
  try {
    const stamps = files.map((file) => {
      const s = statSync(file);
      return [file, s.size, s.mtimeMs, s.ctimeMs, s.ino];
    });
    return JSON.stringify([stamps, options ?? null]);
  } catch {
    return undefined;
  }
}

function bytesOf(data: LabelledData): number {
  return data.x.byteLength + data.y.byteLength;
}

export class SourceCache {
  /** In use order: the most recently used last. */
  private readonly entries = new Map<string, LabelledData>();
  /** Loads under way: a second caller (the data check while the warm-up still loads) waits for the same one. */
  private readonly loading = new Map<string, Promise<LabelledData>>();

  constructor(private readonly maxBytes = SOURCE_CACHE_BYTES) {}

  /** The source under `key`, loaded (and kept, if it fits) when absent; `key` undefined: always loaded. */
  async get(key: string | undefined, load: () => Promise<LabelledData>): Promise<LabelledData> {
    if (key === undefined) return load();
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const pending = this.loading.get(key);
    if (pending) return pending;
    const loaded = load().then((data) => {
      this.keep(key, data);
      return data;
    }).finally(() => this.loading.delete(key));
    this.loading.set(key, loaded);
    return loaded;
  }

  private keep(key: string, data: LabelledData): void {
    const bytes = bytesOf(data);
    if (bytes > this.maxBytes) return;
    let total = bytes + [...this.entries.values()].reduce((sum, d) => sum + bytesOf(d), 0);
    for (const [oldKey, old] of this.entries) {
      if (total <= this.maxBytes) break;
      this.entries.delete(oldKey);
      total -= bytesOf(old);
    }
    this.entries.set(key, data);
  }
}
