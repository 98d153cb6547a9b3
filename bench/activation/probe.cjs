// One cold measurement in a fresh process, printed as JSON: `extension` requires dist/extension.js with
// the fake `vscode` module and calls activate(); `tfjs` requires @tensorflow/tfjs (what an extension
// that loaded its engine eagerly would pay). Times in ms of wall and of process CPU.
'use strict';
const Module = require('node:module');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');

const [what, root] = process.argv.slice(2);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const mark = () => ({ wall: performance.now(), cpu: cpu() });
const since = (a) => { const b = mark(); return { wall: b.wall - a.wall, cpu: b.cpu - a.cpu }; };

const fake = path.join(__dirname, 'fakeVscode.cjs');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? fake : resolve.call(this, request, ...rest);
};

const result = {};
if (what === 'extension') {
  const vscode = require(fake);
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-activation-'));
  const start = mark();
  const extension = require(path.join(root, 'dist', 'extension.js'));
  result.require = since(start);
  const activateStart = mark();
  const context = vscode.fakeContext(root, storage);
  extension.activate(context);
  result.activate = since(activateStart);
  result.loadedTfjs = Object.keys(require.cache).some((f) => f.includes(`${path.sep}@tensorflow${path.sep}`));
  for (const d of context.subscriptions) { try { d.dispose(); } catch { /* fake host */ } }
  fs.rmSync(storage, { recursive: true, force: true });
} else if (what === 'tfjs') {
  const start = mark();
  require(require.resolve('@tensorflow/tfjs', { paths: [root] }));
  result.require = since(start);
} else {
  throw new Error(`probe: unknown target "${what}" (extension or tfjs)`);
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0); // the extension leaves timers and watchers behind in this fake host
