/**
 * `npm run package [-- --out file.vsix]`: builds the production VSIX with @vscode/vsce, prints its size
 * and largest parts, and fails when it is incomplete or carries what it must not.
 *
 * How the contents are chosen. The worker and the CLI keep TensorFlow.js outside their bundles (so the
 * optional native @tensorflow/tfjs-node registers with the same tfjs-core) and load it from node_modules.
 * Letting vsce add the production dependencies would ship ~3,800 files of ESM/browser/minified builds,
 * typings and a converter CLI that nothing loads, and vsce spends tens of seconds filtering them. So this
 * script stages the extension in a temporary folder: the files `.vscodeignore` allows (bundles, media,
 * documents, the Python client) plus, in dist/node_modules next to the bundles, only the node_modules files the bundles
 * require — found by following their require() calls — with each package's package.json and license
 * and the wasm backend's .wasm binaries. vsce packages that folder with `--no-dependencies` (vsce never
 * collects a top-level node_modules then, hence dist/node_modules; Node finds it from dist/*.js first).
 *
 * @tensorflow/tfjs-node is not shipped: it is a native binary per OS, CPU and Node ABI that its install
 * script downloads. Without it the worker trains on the WebAssembly backend (SIMD), shipped here.
 * Users with internet can add it in the installed extension's dist folder with
 * `npm install @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 @tensorflow/tfjs-node@4.22.0`
 * (all three: npm would otherwise prune the shipped packages it was not asked for).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractZip, listZipEntries, type ZipEntry } from './vsix';
import {
  EXT, MAX_VSIX_BYTES, RUNTIME_MODULES_DIR, forbiddenEntries, requiredEntries, requiredModuleFiles,
  runtimeFiles, sizeByGroup, unshippedBuildFiles,
} from './vsixContents';

const root = path.resolve(__dirname, '..');
/** Copied into the staging folder as they are; `.vscodeignore` then decides what of them ships. */
const STAGED = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'dist', 'media', 'python', 'examples/studies', 'docs'];

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

function outPath(): string {
  const i = process.argv.indexOf('--out');
  if (i >= 0 && process.argv[i + 1]) return path.resolve(process.argv[i + 1]);
  const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  return path.join(root, `${name}-${version}.vsix`);
}

function run(what: string, args: string[], cwd: string): void {
  const result = spawnSync(process.execPath, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${what} failed (exit code ${result.status ?? result.signal})`);
}

async function stage(dir: string): Promise<number> {
  for (const f of STAGED) {
    if (fs.existsSync(path.join(root, f))) fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  }
  const files = runtimeFiles(root, await requiredModuleFiles(root));
  for (const f of files) {
    const target = path.join(dir, 'dist', f);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(root, f), target);
  }
  return files.length;
}

function report(file: string, zip: Buffer, entries: ZipEntry[]): void {
  const unpacked = entries.reduce((s, e) => s + e.size, 0);
  console.log(`\n${path.relative(process.cwd(), file)}: ${size(zip.length)} (${entries.length} files, ${size(unpacked)} unpacked)`);
  console.log('\nBy part (compressed):');
  for (const [group, bytes] of sizeByGroup(entries).slice(0, 12)) console.log(`  ${size(bytes).padStart(10)}  ${group}`);
  console.log('\nLargest files (compressed / unpacked):');
  for (const e of [...entries].sort((a, b) => b.compressedSize - a.compressedSize).slice(0, 10)) {
    console.log(`  ${size(e.compressedSize).padStart(10)} / ${size(e.size).padStart(10)}  ${e.name.slice(EXT.length)}`);
  }
}

/** Problems of a built VSIX; empty when it is fit to ship. */
async function check(zip: Buffer, entries: ZipEntry[]): Promise<string[]> {
  const names = entries.map((e) => e.name);
  const nameSet = new Set(names);
  const problems: string[] = [];
  if (zip.length > MAX_VSIX_BYTES) problems.push(`the VSIX is ${size(zip.length)}, over the ${size(MAX_VSIX_BYTES)} budget`);
  for (const f of forbiddenEntries(names)) problems.push(`forbidden: ${f}`);
  for (const f of requiredEntries(root)) if (!nameSet.has(f)) problems.push(`missing: ${f}`);
  for (const f of unshippedBuildFiles(root, nameSet)) problems.push(`built but not shipped (allow it in .vscodeignore): ${f}`);

  // Follow the shipped bundles' require() calls inside the extracted VSIX: all must resolve there.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-vsix-'));
  try {
    extractZip(zip, tmp);
    const extension = path.join(tmp, 'extension');
    const expected = runtimeFiles(extension, await requiredModuleFiles(extension));
    const shipped = names.filter((n) => n.startsWith(`${EXT}${RUNTIME_MODULES_DIR}/`)).map((n) => n.slice(EXT.length));
    const shippedSet = new Set(shipped);
    for (const f of expected) if (!shippedSet.has(f)) problems.push(`run-time file not shipped: ${f}`);
    const expectedSet = new Set(expected);
    for (const f of shipped) if (!expectedSet.has(f)) problems.push(`shipped but required by no bundle: ${f}`);
  } catch (e) {
    problems.push(`a shipped bundle requires something the VSIX lacks:\n${e instanceof Error ? e.message : String(e)}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return problems;
}

async function main(): Promise<void> {
  const out = outPath();
  fs.rmSync(out, { force: true });
  run('production build', ['scripts/build.mjs', '--production'], root);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-stage-'));
  try {
    const count = await stage(dir);
    console.log(`staged ${count} run-time files of node_modules in ${RUNTIME_MODULES_DIR}`);
    const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
    // No repository URL yet: README links stay relative and resolve inside the installed extension.
    run('vsce package', [vsce, 'package', '--no-dependencies', '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const zip = fs.readFileSync(out);
  const entries = listZipEntries(zip);
  report(out, zip, entries);
  const problems = await check(zip, entries);
  if (!fs.existsSync(path.join(root, 'README.md'))) {
    console.warn('\nWARNING: README.md is missing: the extension\'s page in the Extensions view and the Marketplace will be empty.');
  }
  if (problems.length) {
    console.error(`\nThe VSIX is not fit to ship:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log('\nChecked: required files present, run-time modules complete and nothing else, nothing forbidden.');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
