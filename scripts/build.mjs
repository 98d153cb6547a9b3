// Bundles with esbuild: the extension (vscode external, no tfjs), the training worker
// (tfjs external, shipped in node_modules of the VSIX), the CLI, and the browser webviews.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const tfjsExternal = ['@tensorflow/tfjs', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu'];

const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };
const builds = [];
if (existsSync('src/extension.ts')) builds.push({ ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
if (existsSync('src/training/worker.ts')) builds.push({ ...node, entryPoints: ['src/training/worker.ts'], outfile: 'dist/worker.js', external: tfjsExternal });
if (existsSync('src/cli/main.ts')) builds.push({ ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: tfjsExternal });
const webviewEntries = existsSync('webview') ? readdirSync('webview').filter((f) => /^[a-z][\w-]*\.main\.ts$/.test(f)) : [];
if (webviewEntries.length) {
  builds.push({ ...common, platform: 'browser', target: 'es2022', format: 'iife',
    entryPoints: Object.fromEntries(webviewEntries.map((f) => [f.replace(/\.main\.ts$/, ''), `webview/${f}`])),
    outdir: 'dist/webview' });
}
await Promise.all(builds.map((b) => esbuild.build(b)));
if (webviewEntries.length) {
  // Webview icons: codicon.css loads codicon.ttf from its own folder, so they ship side by side.
  mkdirSync('dist/webview', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/${f}`);
}
console.log(`built ${builds.length} bundle(s)${production ? ' (production)' : ''}`);
