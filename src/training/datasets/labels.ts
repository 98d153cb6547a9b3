/** Turning a file's label values into class indices 0..K-1 with readable class names. */
export interface IndexedLabels {
  y: Int32Array;
  classNames: string[];
  /** Set when the mapping is worth recording (anything but 0..K-1 → 0..K-1). */
  note?: string;
}

const collator = new Intl.Collator('en', { numeric: true });

export function describeMapping(classNames: string[]): string {
  const shown = classNames.slice(0, 12).map((name, i) => `${i}=${name}`).join(', ');
  return `labels mapped to class indices: ${shown}${classNames.length > 12 ? `, … (${classNames.length} classes)` : ''}`;
}

/** Whole-number labels: the distinct values in ascending order become classes 0..K-1. */
export function indexIntegerLabels(values: ArrayLike<number>): IndexedLabels {
  const distinct = [...new Set(Array.from(values))].sort((a, b) => a - b);
  const indexOf = new Map(distinct.map((v, i) => [v, i]));
  const y = Int32Array.from(Array.from(values), (v) => indexOf.get(v) as number);
  const classNames = distinct.map(String);
  const identity = distinct.every((v, i) => v === i);
  return { y, classNames, note: identity ? undefined : describeMapping(classNames) };
}

/** Named labels: the distinct names in natural order ("class_2" before "class_10") become classes 0..K-1. */
export function indexNamedLabels(values: string[]): IndexedLabels {
  const classNames = [...new Set(values)].sort(collator.compare);
  const indexOf = new Map(classNames.map((v, i) => [v, i]));
  const y = Int32Array.from(values, (v) => indexOf.get(v) as number);
  return { y, classNames, note: describeMapping(classNames) };
}
