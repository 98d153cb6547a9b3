/**
 * Fewer step lines for a chart of a long run, keeping what the eye must not miss: the steps are cut
 * into buckets of consecutive lines, and each bucket keeps its first and last line and, for every
 * metric, the line where it is lowest and the one where it is highest (min-max decimation over all
 * fields). A spike of the loss or a dip of the accuracy therefore survives, whatever its width.
 * Epoch lines are few and always kept.
 *
 * Lines are taken as they are read, without knowing how many will come: when the buckets would keep
 * too many lines, neighbouring buckets are merged two by two (the extremes of two buckets are among
 * their own extremes), so memory stays bounded by the limit and no second pass is needed.
 */
import type { MetricLine } from './runFormat';
import { newLinesAfter, START_CURSOR, type MetricsCursor } from './viewProtocol';

/**
 * Step lines a history sent to a webview keeps at most: runs up to this long arrive whole (their
 * CSV export holds every step); longer ones, up to millions of steps, arrive downsampled.
 */
export const HISTORY_STEP_LIMIT = 20_000;

const POSITION = ['kind', 'step', 'epoch', 't'];

/** A run of consecutive steps and its kept lines, each with its position in the input. */
interface Bucket {
  size: number;
  first: MetricLine;
  firstAt: number;
  last: MetricLine;
  lastAt: number;
  /** Per field: the line with the lowest and the highest value, and their positions. */
  lows: MetricLine[];
  lowsAt: number[];
  highs: MetricLine[];
  highsAt: number[];
}

function valueOf(line: MetricLine, field: string): number {
  const value = (line as unknown as Record<string, unknown>)[field];
  return typeof value === 'number' ? value : NaN;
}

export class MetricsDownsampler {
  /** Every line while the steps fit the limit, then only the epoch lines; with their positions. */
  private whole: MetricLine[] = [];
  private wholeAt: number[] = [];
  private buckets: Bucket[] | undefined;
  private fields: string[] = [];
  private bucketSize = 1;
  private at = 0;
  private steps = 0;

  constructor(private readonly limit = HISTORY_STEP_LIMIT) {}

  push(lines: readonly MetricLine[]): void {
    for (const line of lines) {
      const at = this.at++;
      if (line.kind !== 'step' || !this.buckets) {
        this.whole.push(line);
        this.wholeAt.push(at);
        if (line.kind === 'step' && ++this.steps > this.limit) this.startBuckets();
      } else {
        this.addStep(this.buckets, line, at);
      }
    }
  }

  /** The kept lines in their input order: every line while there are at most `limit` steps. */
  result(): MetricLine[] {
    const kept = new Map<number, MetricLine>(this.whole.map((line, i) => [this.wholeAt[i], line]));
    for (const b of this.buckets ?? []) {
      kept.set(b.firstAt, b.first);
      kept.set(b.lastAt, b.last);
      b.lows.forEach((line, f) => kept.set(b.lowsAt[f], line));
      b.highs.forEach((line, f) => kept.set(b.highsAt[f], line));
    }
    return [...kept.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => line);
  }

  /** Too many steps to keep them all: from now on steps go to buckets, starting with those held. */
  private startBuckets(): void {
    const held = this.whole;
    const heldAt = this.wholeAt;
    const firstStep = held.find((line) => line.kind === 'step')!;
    this.fields = Object.keys(firstStep).filter((k) => !POSITION.includes(k) && !Number.isNaN(valueOf(firstStep, k)));
    this.bucketSize = Math.max(1, Math.ceil(this.steps / this.maxBuckets()));
    this.whole = [];
    this.wholeAt = [];
    const buckets: Bucket[] = [];
    this.buckets = buckets;
    held.forEach((line, i) => {
      if (line.kind === 'step') this.addStep(buckets, line, heldAt[i]);
      else {
        this.whole.push(line);
        this.wholeAt.push(heldAt[i]);
      }
    });
  }

  /** Each bucket keeps up to 2 + 2 × fields lines. */
  private maxBuckets(): number {
    return Math.max(1, Math.floor(this.limit / (2 + 2 * this.fields.length)));
  }

  private addStep(buckets: Bucket[], line: MetricLine, at: number): void {
    const bucket = buckets[buckets.length - 1];
    if (bucket && bucket.size < this.bucketSize) {
      bucket.size++;
      bucket.last = line;
      bucket.lastAt = at;
      for (let f = 0; f < this.fields.length; f++) {
        const value = valueOf(line, this.fields[f]);
        if (value < valueOf(bucket.lows[f], this.fields[f])) {
          bucket.lows[f] = line;
          bucket.lowsAt[f] = at;
        }
        if (value > valueOf(bucket.highs[f], this.fields[f])) {
          bucket.highs[f] = line;
          bucket.highsAt[f] = at;
        }
      }
      return;
    }
    buckets.push({
      size: 1, first: line, firstAt: at, last: line, lastAt: at,
      lows: this.fields.map(() => line), lowsAt: this.fields.map(() => at),
      highs: this.fields.map(() => line), highsAt: this.fields.map(() => at),
    });
    if (buckets.length > this.maxBuckets()) this.mergePairs(buckets);
  }

  /** Halves the buckets by merging neighbours; the extremes of two buckets are among their own. */
  private mergePairs(buckets: Bucket[]): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < buckets.length; i += 2) {
      const a = buckets[i];
      const b = buckets[i + 1];
      if (!b) {
        merged.push(a);
        continue;
      }
      const m: Bucket = { ...a, size: a.size + b.size, last: b.last, lastAt: b.lastAt, lows: [...a.lows], lowsAt: [...a.lowsAt], highs: [...a.highs], highsAt: [...a.highsAt] };
      this.fields.forEach((field, f) => {
        if (valueOf(b.lows[f], field) < valueOf(m.lows[f], field)) {
          m.lows[f] = b.lows[f];
          m.lowsAt[f] = b.lowsAt[f];
        }
        if (valueOf(b.highs[f], field) > valueOf(m.highs[f], field)) {
          m.highs[f] = b.highs[f];
          m.highsAt[f] = b.highsAt[f];
        }
      });
      merged.push(m);
    }
    buckets.splice(0, buckets.length, ...merged);
    this.bucketSize *= 2;
  }
}

/** All of `lines` downsampled at once (see MetricsDownsampler). */
export function downsampleMetrics(lines: readonly MetricLine[], limit = HISTORY_STEP_LIMIT): MetricLine[] {
  const sampler = new MetricsDownsampler(limit);
  sampler.push(lines);
  return sampler.result();
}


/**
 * A run's history for a chart, built from its lines as they are read: each line once (a repeated
 * or older step is dropped, see newLinesAfter), downsampled. `cursor` is where deltas go on.
 */
export class HistoryBuilder {
  private readonly sampler: MetricsDownsampler;
  private cursor: MetricsCursor = START_CURSOR;

  constructor(limit = HISTORY_STEP_LIMIT) {
    this.sampler = new MetricsDownsampler(limit);
  }

  push(lines: readonly MetricLine[]): void {
    const fresh = newLinesAfter(lines, this.cursor);
    this.cursor = fresh.cursor;
    this.sampler.push(fresh.lines);
  }

  result(): { lines: MetricLine[]; cursor: MetricsCursor } {
    return { lines: this.sampler.result(), cursor: this.cursor };
  }
}
