// A stand-in for the `vscode` module, enough to require dist/extension.js and run activate() outside
// VS Code in the activation benchmark. Values the extension computes with (Uri paths, configuration
// defaults, events, mementos) are real; every other API is a permissive no-op that returns disposables.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Callable, constructible, any property: the answer to APIs the bench does not care about. */
function permissive(name) {
  const children = new Map();
  const target = function () {};
  return new Proxy(target, {
    get(t, prop) {
      if (children.has(prop)) return children.get(prop);
      if (prop === 'then') return undefined; // not a promise
      if (prop === 'dispose') return () => {};
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === Symbol.iterator) return [][Symbol.iterator];
      if (prop === 'prototype') return Reflect.get(t, prop);
      children.set(prop, permissive(`${name}.${String(prop)}`));
      return children.get(prop);
    },
    set(_t, prop, value) {
      children.set(prop, value);
      return true;
    },
    apply() { return permissive(`${name}()`); },
    // Subclasses (class X extends vscode.TreeItem) get plain objects with their own prototype.
    construct(_t, _args, newTarget) { return Reflect.construct(function () {}, [], newTarget); },
  });
}

class Uri {
  constructor(fsPath) { this.scheme = 'file'; this.fsPath = fsPath; this.path = fsPath; }
  static file(p) { return new Uri(path.resolve(p)); }
  static joinPath(base, ...parts) { return new Uri(path.join(base.fsPath, ...parts)); }
  static parse(s) { return new Uri(s.replace(/^file:\/\//, '')); }
  with() { return this; }
  toString() { return `file://${this.fsPath}`; }
}

class Disposable {
  constructor(fn) { this.fn = fn; }
  static from(...items) { return new Disposable(() => items.forEach((d) => d && d.dispose && d.dispose())); }
  dispose() { if (this.fn) this.fn(); this.fn = undefined; }
}

class EventEmitter {
  constructor() { this.listeners = new Set(); this.event = (listener) => { this.listeners.add(listener); return new Disposable(() => this.listeners.delete(listener)); }; }
  fire(value) { for (const l of [...this.listeners]) l(value); }
  dispose() { this.listeners.clear(); }
}

const event = () => new Disposable();
const configuration = { get: (_key, fallback) => fallback, has: () => false, inspect: () => undefined, update: async () => {} };

// A plain object with one key per name the API declares (esbuild's import interop copies own keys),
// each a permissive stand-in unless given a real one below.
const declarations = fs.readFileSync(require.resolve('@types/vscode/index.d.ts', { paths: [process.cwd(), __dirname] }), 'utf8');
const names = new Set([...declarations.matchAll(/^\s*export (?:class|enum|namespace|const|function|let) (\w+)/gm)].map((m) => m[1]));
const vscode = Object.fromEntries([...names].map((name) => [name, permissive(`vscode.${name}`)]));
Object.assign(vscode, {
  Uri, Disposable, EventEmitter,
  workspace: Object.assign(permissive('vscode.workspace'), {
    workspaceFolders: undefined, isTrusted: true, textDocuments: [],
    getConfiguration: () => configuration,
    onDidChangeConfiguration: event, onDidOpenTextDocument: event, onDidCloseTextDocument: event,
    onDidChangeTextDocument: event, onDidSaveTextDocument: event, onDidGrantWorkspaceTrust: event,
    onDidChangeWorkspaceFolders: event,
  }),
  window: Object.assign(permissive('vscode.window'), { visibleTextEditors: [], onDidChangeVisibleTextEditors: event, onDidChangeActiveTextEditor: event }),
});

/** An ExtensionContext for activate(): extension folder, a fresh storage folder, in-memory mementos. */
const fakeContext = (extensionPath, storagePath) => {
  const memento = () => { const m = new Map(); return { get: (k, d) => (m.has(k) ? m.get(k) : d), update: async (k, v) => { m.set(k, v); }, keys: () => [...m.keys()], setKeysForSync() {} }; };
  return {
    subscriptions: [], extensionPath, extensionUri: Uri.file(extensionPath),
    globalStorageUri: Uri.file(storagePath), storageUri: Uri.file(storagePath), logUri: Uri.file(storagePath),
    workspaceState: memento(), globalState: memento(), extensionMode: 1, environmentVariableCollection: permissive('env'),
    asAbsolutePath: (p) => path.join(extensionPath, p),
  };
};

module.exports = vscode;
// Not part of the API: for the probe only (non-enumerable, so the extension never sees it).
Object.defineProperty(vscode, 'fakeContext', { value: fakeContext });
