/**
 * CSV loading at the documented sizes: a generated file (default 300 MiB: 20 numeric features
 * written with 4 decimals, a named label), loaded in a fresh process as training loads it. Prints,
 * against baselines measured in this run:
 * - the peak memory (resident set) over the file size, for the parse alone and for the parse plus
 *   the split and standardisation of training (target: under 3×, checked: exit 1 above it);
 * - the parse time over the time to stream the same file from disk with nothing else.
 *
 *   node --import tsx bench/csv.ts [--mib N]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MEMORY_TARGET = 3;
const FEATURES = 20;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function writeCsv(file: string, bytes: number): Promise<number> {
  const out = fs.createWriteStream(file);
  out.write(`${Array.from({ length: FEATURES }, (_, j) => `f${j}`).join(',')},label\n`);
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    let chunk = '';
    for (let r = 0; r < 2000; r++, rows++) {
      for (let j = 0; j < FEATURES; j++) chunk += `${(Math.sin(rows * 31 + j) * 50).toFixed(4)},`;
      chunk += `class_${rows % 5}\n`;
    }
    written += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return rows;
}

interface Measured {
  ms: number;
  maxRssBytes: number;
  rows?: number;
}

/** What one fresh process does with the file, and its peak resident memory. */
const CHILD = {
  idle: '',
  stream: `await new Promise((done) => require('node:fs').createReadStream(FILE).on('data', () => {}).on('end', done));`,
  parse: `const { loadCsv } = require('./src/training/datasets/csv'); rows = (await loadCsv(FILE, {})).n;`,
  load: `const { loadDataset } = require('./src/training/datasets'); const d = await loadDataset({ name: 'csv', path: FILE }, 1); rows = d.train.n + d.validation.n + d.test.n;`,
};

function measure(what: keyof typeof CHILD, file: string): Measured {
  const script = `(async () => { const FILE = ${JSON.stringify(file)}; let rows; const t = performance.now(); ${CHILD[what]}
    console.log(JSON.stringify({ ms: performance.now() - t, maxRssBytes: process.resourceUsage().maxRSS * 1024, rows })); })()`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop() as string) as Measured;
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const target = option('mib', 300) * 1024 ** 2;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-bench-csv-'));
  const file = path.join(dir, 'big.csv');
  try {
    const rows = await writeCsv(file, target);
    const size = fs.statSync(file).size;
    console.log(`file: ${mib(size)}, ${rows.toLocaleString('en-US')} rows × ${FEATURES} features + a label`);
    const idle = measure('idle', file);
    const stream = measure('stream', file);
    const parse = measure('parse', file);
    const load = measure('load', file);
    if (parse.rows !== rows || load.rows !== rows) throw new Error(`rows read: ${parse.rows} and ${load.rows}, written: ${rows}`);
    console.log(`baseline: a Node process with nothing loaded peaks at ${mib(idle.maxRssBytes)}; streaming the file takes ${(stream.ms / 1000).toFixed(1)} s`);
    let failed = false;
    for (const [name, m] of [['parse', parse], ['parse + split + standardise', load]] as const) {
      const ratio = m.maxRssBytes / size;
      failed ||= ratio >= MEMORY_TARGET;
      console.log(`${name}: ${(m.ms / 1000).toFixed(1)} s (${(size / 1024 ** 2 / (m.ms / 1000)).toFixed(0)} MiB/s, ${(m.ms / stream.ms).toFixed(1)}× streaming it), `
        + `peak ${mib(m.maxRssBytes)} = ${ratio.toFixed(2)}× the file size (target < ${MEMORY_TARGET}×)${ratio >= MEMORY_TARGET ? '  ← OVER TARGET' : ''}`);
    }
    if (failed) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
