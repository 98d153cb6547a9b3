// The production VSIX as users get it: `npm run package` builds it, its entries are what they must be,
// and — extracted to a folder with no project around it — its worker trains on WebAssembly and its
// CLI runs, loading nothing from outside the extracted extension.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WorkerCommand, WorkerEvent } from '../../src/core/protocol';
import type { RunConfig } from '../../src/core/runConfig';
import type { RunRecord } from '../../src/core/runFormat';
import { extractZip, listZipEntries, type ZipEntry } from '../../scripts/vsix';
import { forbiddenEntries, manifestFiles } from '../../scripts/vsixContents';

const root = path.resolve(__dirname, '../..');
const EXT = 'extension/';
const WASM_DIR = `${EXT}dist/node_modules/@tensorflow/tfjs-backend-wasm/dist`;

let tmp: string;
let packageOutput: string;
let zipBytes: number;
let entries: ZipEntry[];
let names: Set<string>;
let extensionDir: string;

function filesIn(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir)).map((f) => `${EXT}${dir}/${f}`);
}

/** Files Node loaded through require() in a process started with this hook, written when it exits. */
function writeLoadRecorder(file: string, out: string): void {
  fs.writeFileSync(file, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
}

/** Only the extension's own files may have been loaded (and the recorder hook itself). */
function assertLoadedOnlyFrom(loadedFile: string, hook: string): void {
  const loaded = (JSON.parse(fs.readFileSync(loadedFile, 'utf8')) as string[]).filter((f) => f !== hook);
  assert.ok(loaded.some((f) => f.includes(`${path.sep}node_modules${path.sep}@tensorflow${path.sep}tfjs-backend-wasm${path.sep}`)), 'the wasm backend was loaded');
  const outside = loaded.filter((f) => !f.startsWith(extensionDir + path.sep));
  assert.deepEqual(outside, [], 'every loaded module comes from the extracted VSIX');
}

/** A clean environment: no NODE_PATH or NODE_OPTIONS that could reach the project's node_modules. */
function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: tmp, TMPDIR: tmp };
}

describe('production VSIX', () => {
  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-package-test-')));
    const vsix = path.join(tmp, 'polyloss-lab.vsix');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/package.ts', '--out', vsix], { cwd: root, encoding: 'utf8' });
    packageOutput = run.stdout + run.stderr;
    assert.equal(run.status, 0, `npm run package failed:\n${packageOutput}`);
    const zip = fs.readFileSync(vsix);
    zipBytes = zip.length;
    entries = listZipEntries(zip);
    names = new Set(entries.map((e) => e.name));
    extractZip(zip, path.join(tmp, 'unpacked'));
    extensionDir = path.join(tmp, 'unpacked', 'extension');
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reports its size and largest files', () => {
    const size = zipBytes >= 1024 * 1024 ? `${(zipBytes / 1024 / 1024).toFixed(2)} MB` : `${(zipBytes / 1024).toFixed(1)} KB`;
    assert.ok(packageOutput.includes(`polyloss-lab.vsix: ${size} (${entries.length} files`), `the size line says ${size} and ${entries.length} files`);
    assert.match(packageOutput, /Largest files/);
    const largest = [...entries].sort((a, b) => b.compressedSize - a.compressedSize)[0];
    assert.ok(packageOutput.includes(largest.name.slice(EXT.length)), `the largest entry ${largest.name} is listed`);
  });

  it('contains the bundles, webviews, wasm binaries, datasets, schemas, walkthrough and documents', () => {
    const webviews = fs.readdirSync(path.join(root, 'webview'))
      .filter((f) => f.endsWith('.main.ts')).map((f) => `${EXT}dist/webview/${f.replace(/\.main\.ts$/, '.js')}`);
    assert.ok(webviews.length >= 2, 'the dashboard and compare webviews exist in the source tree');
    const required = [
      `${EXT}package.json`, `${EXT}changelog.md`, `${EXT}LICENSE.txt`, `${EXT}media/icon.png`,
      `${EXT}dist/extension.js`, `${EXT}dist/worker.js`, `${EXT}dist/cli.js`,
      `${EXT}dist/webview/codicon.css`, `${EXT}dist/webview/codicon.ttf`, ...webviews,
      `${WASM_DIR}/tfjs-backend-wasm.wasm`, `${WASM_DIR}/tfjs-backend-wasm-simd.wasm`,
      ...filesIn('media/datasets'), ...filesIn('media/schemas'), ...filesIn('media/walkthrough'),
      ...filesIn('examples/studies').filter((f) => f.endsWith('.polyloss.json')), ...filesIn('examples/studies/noisy-digits'),
      ...filesIn('python/polyloss_lab').filter((f) => f.endsWith('.py')), `${EXT}python/pyproject.toml`,
    ];
    assert.deepEqual(required.filter((f) => !names.has(f)), [], 'no required file is missing');
    // vsce ships README.md as readme.md; until the project has one, packaging warns about it.
    if (fs.existsSync(path.join(root, 'README.md'))) assert.ok(names.has(`${EXT}readme.md`), 'the README is shipped');
    else assert.match(packageOutput, /WARNING: README\.md is missing/);
    assert.ok(filesIn('media/datasets').some((f) => f.endsWith('digits.pld.gz')));
  });

  it('ships every image the README shows, at the path its relative link names', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length >= 1, 'the README shows images');
    for (const image of images) {
      assert.ok(!/^[a-z]+:/i.test(image), `${image} is a relative link, resolved inside the installed extension`);
      const entry = entries.find((e) => e.name === `${EXT}${image}`);
      assert.ok(entry, `${image} is in the VSIX`);
      assert.equal(entry.size, fs.statSync(path.join(root, image)).size, `${image} is shipped whole`);
    }
    assert.deepEqual([...names].filter((n) => n.startsWith(`${EXT}docs/`) && !/^extension\/docs\/images\/[\w-]+\.png$/.test(n)), [], 'nothing else of docs/');
  });

  it('carries no sources, tests, dev dependencies, source maps or native binaries', () => {
    const all = [...names];
    assert.deepEqual(all.filter((n) => /^extension\/(src|test|webview|scripts|bench|\.e2e)\//.test(n)), [], 'no source or test folders');
    assert.deepEqual(all.filter((n) => /\.(map|ts)$/.test(n)), [], 'no source maps or TypeScript');
    assert.deepEqual(all.filter((n) => /\/node_modules\/(typescript|esbuild|@types|eslint|tsx|@vscode\/vsce|chart\.js|@tensorflow\/tfjs-node)\//.test(n)), [], 'no dev dependencies or native backend');
    assert.deepEqual(all.filter((n) => n.endsWith('.node')), [], 'no native binaries');
    assert.deepEqual(forbiddenEntries(all), []);
    // Only the run-time files of each package: no ESM/browser builds or typings of tfjs.
    const tfjsCore = all.filter((n) => n.includes('/node_modules/@tensorflow/tfjs-core/'));
    assert.deepEqual(tfjsCore.sort(), [`${EXT}dist/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js`, `${EXT}dist/node_modules/@tensorflow/tfjs-core/package.json`]);
    // Activation must not load TensorFlow.js: no require of it, and none of it inlined (a flag name of tfjs-core).
    const host = fs.readFileSync(path.join(extensionDir, 'dist/extension.js'), 'utf8');
    assert.doesNotMatch(host, /require\(\s*["']@tensorflow\//, 'the extension bundle does not require tfjs');
    assert.ok(!host.includes('TENSORLIKE_CHECK_SHAPE_CONSISTENCY'), 'the extension bundle does not inline tfjs-core');
  });

  it('ships every file its manifest names, with the walkthrough commands contributed', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[]; walkthroughs: { steps: { description: string }[] }[] };
    } & Record<string, unknown>;
    const named = manifestFiles(manifest);
    assert.ok(named.includes('media/icon.png') && named.filter((f) => f.startsWith('media/walkthrough/')).length >= 4);
    assert.deepEqual(named.filter((f) => !names.has(`${EXT}${f}`)), []);
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    const linked = manifest.contributes.walkthroughs.flatMap((w) => w.steps)
      .flatMap((s) => [...s.description.matchAll(/\(command:(polyloss\.[\w.]+)/g)].map((m) => m[1]))
      .filter((c) => c !== 'polyloss.runs.focus'); // a view's focus command, made by VS Code
    assert.ok(linked.length >= 4);
    assert.deepEqual(linked.filter((c) => !contributed.has(c)), [], 'walkthrough buttons run contributed commands');
  });

  it('trains Poly-1 on wasm with the extracted worker alone', async () => {
    const runDir = path.join(tmp, 'runs', 'packaged-run');
    fs.mkdirSync(runDir, { recursive: true });
    const hook = path.join(tmp, 'record-loads.js');
    const loadedFile = path.join(tmp, 'worker-loaded.json');
    writeLoadRecorder(hook, loadedFile);
    const config: RunConfig = {
      dataset: { name: 'digits', validationFraction: 0.15, testFraction: 0.15 },
      model: { type: 'mlp', hidden: [32] },
      loss: { type: 'poly', epsilon: 1 },
      optimizer: { type: 'adam', learningRate: 0.01 },
      batchSize: 64, epochs: 2, seed: 7, backend: 'wasm',
    };
    const events: WorkerEvent[] = [];
    const child = fork(path.join(extensionDir, 'dist/worker.js'), [], {
      cwd: tmp, env: cleanEnv(), execArgv: ['--require', hook], stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('message', (m) => events.push(m as WorkerEvent));
    const start: WorkerCommand = { type: 'start', runDir, runId: 'packaged-run', config };
    child.send(start);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, `worker exit code; stderr:\n${stderr}`);

    const started = events.find((e) => e.type === 'started');
    assert.ok(started && started.type === 'started');
    assert.equal(started.environment.backend, 'wasm');
    const finished = events.find((e) => e.type === 'finished');
    assert.ok(finished && finished.type === 'finished', `finished event; got ${events.map((e) => e.type).join(',')}`);
    assert.equal(finished.status, 'completed');

    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.status, 'completed');
    assert.equal(record.environment?.backend, 'wasm');
    const lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    assert.equal(lines.filter((l) => l.kind === 'epoch').length, 2);
    assert.equal(lines.filter((l) => l.kind === 'step').length, record.summary?.steps);
    assert.ok((record.summary?.testAcc ?? 0) > 0.5, `test accuracy ${record.summary?.testAcc} is far above chance (0.1)`);
    assertLoadedOnlyFrom(loadedFile, hook);
  });

  it('runs the bundled Python client and its PyTorch losses from the extracted extension', () => {
    const pythonDir = path.join(extensionDir, 'python');
    assert.deepEqual([...names].filter((n) => n.startsWith(`${EXT}python/`) && !/^extension\/python\/(polyloss_lab\/\w+\.py|pyproject\.toml|README\.md)$/.test(n)), [],
      'only the client package, its pyproject.toml and README');
    const runsDir = path.join(tmp, 'python-runs');
    const script = [
      'import json, torch, polyloss_lab',
      'from polyloss_lab.torch import poly_loss',
      'run = polyloss_lab.init(loss={"type": "poly", "epsilon": 2}, seed=5, runs_dir=__import__("sys").argv[1])',
      'z = torch.tensor([[2, 1, 0.1, -1, 0.5]], dtype=torch.float64)',
      'loss, base, poly, pt = poly_loss(z, torch.tensor([0]), run.loss, return_parts=True)',
      'run.log_step(1, loss=loss.item(), base=base.item(), poly=poly.item())',
      'run.finish()',
      'print(json.dumps({"client": polyloss_lab.__file__, "dir": run.dir}))',
    ].join('\n');
    const result = spawnSync('/usr/bin/python3', ['-c', script, runsDir], { cwd: tmp, env: { ...cleanEnv(), PYTHONPATH: pythonDir }, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const { client, dir } = JSON.parse(result.stdout) as { client: string; dir: string };
    assert.ok(client.startsWith(pythonDir + path.sep), `the client came from the extracted VSIX (${client})`);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.status, 'completed');
    const [line] = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss: number; poly: number });
    assert.ok(Math.abs(line.loss - 1.465329) < 1e-6, `Poly-1 ε=2 of the sanity row: ${line.loss}`);
    assert.ok(line.poly > 0);
  });

  it('trains from the extracted CLI', () => {
    const hook = path.join(tmp, 'record-cli-loads.js');
    const loadedFile = path.join(tmp, 'cli-loaded.json');
    writeLoadRecorder(hook, loadedFile);
    const runsDir = path.join(tmp, 'cli-runs');
    const run = spawnSync(process.execPath, ['--require', hook, path.join(extensionDir, 'dist/cli.js'),
      'train', '--dataset', 'iris', '--loss', 'ce', '--epochs', '3', '--seed', '2', '--backend', 'wasm', '--runs-dir', runsDir, '--json'],
    { cwd: tmp, env: cleanEnv(), encoding: 'utf8' });
    assert.equal(run.status, 0, `polyloss train from the VSIX:\n${run.stdout}\n${run.stderr}`);
    const [id] = fs.readdirSync(runsDir);
    const record = JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.status, 'completed');
    assert.equal(record.config.dataset?.name, 'iris');
    assert.equal(record.environment?.backend, 'wasm');
    // The CLI itself loads only the extracted files; its worker is a child process, checked above.
    const loaded = (JSON.parse(fs.readFileSync(loadedFile, 'utf8')) as string[]).filter((f) => f !== hook);
    assert.deepEqual(loaded.filter((f) => !f.startsWith(extensionDir + path.sep)), []);
  });
});
