import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

// The layers of src/ and the imports each may make (CONTRIBUTING.md draws them):
//   core ← store ← runner ← host, cli;  training ← cli and the worker;  webview ← core only.
// A rule per folder names what it must not import; a unit test (test/unit/lint-layers.test.ts)
// lints a wrong import in each folder and expects it to fail.

/** Imports of a layer folder from anywhere in src/ or webview/ (relative paths of any depth). */
const layer = (name) => [`**/${name}`, `**/${name}/*`, `**/src/${name}`, `**/src/${name}/*`];
const NODE_BUILTINS = ['node:*', ...builtinModules.filter((m) => !m.startsWith('_'))];

/** A block that forbids the given layers and modules in `files`, saying why. */
function restrict(files, { layers = [], modules = [], why }) {
  const patterns = [
    ...(layers.length ? [{ group: layers.flatMap(layer), message: why }] : []),
    ...(modules.length ? [{ group: modules, message: why }] : []),
  ];
  return { files, rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'media/', '.e2e/', 'test-results/', 'out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // Globals per place: Node in the extension, worker, CLI, tests, benches and scripts; the browser in webviews.
  { files: ['src/**', 'test/**', 'bench/**', 'scripts/**', '*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['webview/**'], languageOptions: { globals: globals.browser } },
  // Browser code handed to page.evaluate runs in the page.
  { files: ['test/e2e/**', 'test/webview/**', 'bench/webview*.ts'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },

  restrict(['src/core/**'], {
    layers: ['store', 'runner', 'training', 'host', 'cli'], modules: ['vscode', '@tensorflow/*', ...NODE_BUILTINS],
    why: 'src/core is pure TypeScript: no other layer, no Node.js module, no vscode, no TensorFlow.js.',
  }),
  restrict(['src/store/**'], {
    layers: ['runner', 'training', 'host', 'cli'], modules: ['vscode', '@tensorflow/*'],
    why: 'src/store reads and writes run folders: it imports core only, and never vscode or TensorFlow.js.',
  }),
  restrict(['src/runner/**'], {
    layers: ['training', 'host', 'cli'], modules: ['vscode', '@tensorflow/*'],
    why: 'src/runner starts runs: it forks the training worker instead of importing it, and never imports vscode.',
  }),
  restrict(['src/training/**'], {
    layers: ['runner', 'host', 'cli'], modules: ['vscode'],
    why: 'src/training runs in the worker process: it imports core and store only, and never vscode.',
  }),
  restrict(['src/host/**'], {
    layers: ['training', 'cli'], modules: ['@tensorflow/*'],
    why: 'src/host never loads training code: runs train in a forked worker.',
  }),
  restrict(['src/cli/**'], {
    layers: ['host'], modules: ['vscode'],
    why: 'src/cli runs without VS Code.',
  }),
  restrict(['webview/**'], {
    layers: ['store', 'runner', 'training', 'host', 'cli'], modules: ['vscode', '@tensorflow/*', ...NODE_BUILTINS],
    why: 'webview/ is browser code: it imports src/core only.',
  }),
);
