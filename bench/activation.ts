/**
 * Extension activation cost and bundle sizes.
 * - sizes of dist/extension.js, dist/worker.js and dist/webview/*.js as built;
 * - checks that the extension bundle holds no TensorFlow.js: no require of an @tensorflow package and no
 *   module bundled from one (other '@tensorflow' mentions are package names in texts), none loaded by activate();
 * - cold `require('dist/extension.js')` + `activate()` in fresh processes, with a stand-in `vscode`
 *   module (bench/activation/fakeVscode.cjs, injected through Module._resolveFilename), against a
 *   baseline measured in the same run: a cold `require('@tensorflow/tfjs')`, what activation would add
 *   if the engine were loaded eagerly instead of in the training worker.
 *
 *   node --import tsx bench/activation.ts [--rounds N]      (after npm run build)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { median, numberArg } from './benchArgs';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const PROBE = path.join(__dirname, 'activation', 'probe.cjs');

interface Cost { wall: number; cpu: number }
interface Probe { require: Cost; activate?: Cost; loadedTfjs?: boolean }

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

function probe(what: 'extension' | 'tfjs'): Probe {
  return JSON.parse(execFileSync(process.execPath, [PROBE, what, ROOT], { encoding: 'utf8' })) as Probe;
}

/** tfjs code in a bundle: require() calls of @tensorflow packages, and modules esbuild bundled from node_modules/@tensorflow. */
function tfjsInBundle(bundle: string): { requires: number; modules: number } {
  return {
    requires: (bundle.match(/require\(\s*["'`]@tensorflow\//g) ?? []).length,
    modules: (bundle.match(/node_modules\/@tensorflow\//g) ?? []).length,
  };
}

function bundleSizes(): void {
  const bundles = ['extension.js', 'worker.js'].map((f) => path.join(DIST, f));
  const webviewDir = path.join(DIST, 'webview');
  if (existsSync(webviewDir)) bundles.push(...readdirSync(webviewDir).filter((f) => f.endsWith('.js')).map((f) => path.join(webviewDir, f)));
  const maps = bundles.some((f) => existsSync(`${f}.map`));
  console.log(`bundle sizes (${maps ? 'development build with source maps; npm run package minifies' : 'as built'}):`);
  for (const file of bundles) {
    console.log(`  ${path.relative(ROOT, file).padEnd(34)} ${existsSync(file) ? kib(statSync(file).size).padStart(11) : 'missing'.padStart(11)}`);
  }
}

async function main(): Promise<void> {
  const rounds = numberArg('--rounds', 5);
  const extensionFile = path.join(DIST, 'extension.js');
  if (!existsSync(extensionFile)) throw new Error('dist/extension.js is missing: run npm run build first');
  bundleSizes();

  const bundle = readFileSync(extensionFile, 'utf8');
  const tfjsCode = tfjsInBundle(bundle);
  const mentions = bundle.split('@tensorflow').length - 1;
  console.log(`\n'@tensorflow' in dist/extension.js: ${mentions} occurrence(s); requires of @tensorflow/*: ${tfjsCode.requires}, bundled @tensorflow modules: ${tfjsCode.modules}`);
  if (mentions > tfjsCode.requires + tfjsCode.modules) console.log('  (the others are package names in settings and picker texts)');
  console.log(`extension bundle free of TensorFlow.js: ${tfjsCode.requires + tfjsCode.modules === 0 ? 'yes' : 'NO'}`);

  const extension: Probe[] = [];
  const tfjs: Probe[] = [];
  for (let r = 0; r < rounds; r++) {
    extension.push(probe('extension'));
    tfjs.push(probe('tfjs'));
  }
  const loaded = extension.some((p) => p.loadedTfjs);
  console.log(`activate() loaded TensorFlow.js: ${loaded ? 'YES (it should stay in the worker)' : 'no'}`);
  const med = (list: Probe[], pick: (p: Probe) => Cost) => ({ wall: median(list.map((p) => pick(p).wall)), cpu: median(list.map((p) => pick(p).cpu)) });
  const req = med(extension, (p) => p.require);
  const act = med(extension, (p) => p.activate!);
  const total = { wall: req.wall + act.wall, cpu: req.cpu + act.cpu };
  const base = med(tfjs, (p) => p.require);
  console.log(`\ncold, fresh process each, ${rounds} rounds, medians (wall / CPU):`);
  console.log(`  require('dist/extension.js')       ${ms(req.wall).padStart(9)} / ${ms(req.cpu)}`);
  console.log(`  activate() with a stand-in host     ${ms(act.wall).padStart(9)} / ${ms(act.cpu)}`);
  console.log(`  extension total                     ${ms(total.wall).padStart(9)} / ${ms(total.cpu)}`);
  console.log(`  baseline: require('@tensorflow/tfjs') ${ms(base.wall).padStart(7)} / ${ms(base.cpu)}`);
  console.log(`lazy loading keeps ${ms(base.cpu)} of CPU out of activation: activation costs ${(total.cpu / base.cpu).toFixed(2)}× the eager tfjs require alone`);
  if (tfjsCode.requires + tfjsCode.modules > 0 || loaded) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
