// The command registry (src/host/commandIds.ts) is the one place command ids are spelled: it matches
// what package.json contributes, and no other source file writes a command id as a string.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { COMMANDS, INTERNAL_COMMANDS } from '../../src/host/commandIds';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(p);
    return /\.(ts|mjs|js)$/.test(entry.name) ? [p] : [];
  });
}

test('the public commands of the registry are exactly those package.json contributes', () => {
  assert.deepEqual([...Object.values(COMMANDS)].sort(), [...contributed].sort());
});

test('internal commands are not contributed, and no id is listed twice', () => {
  const internal = Object.values(INTERNAL_COMMANDS);
  for (const id of internal) assert.ok(!contributed.includes(id), `${id} is internal but contributed`);
  const all = [...Object.values(COMMANDS), ...internal];
  assert.equal(new Set(all).size, all.length);
});

test('no source file outside the registry spells a command id', () => {
  const ids = new Set<string>([...Object.values(COMMANDS), ...Object.values(INTERNAL_COMMANDS)]);
  const registry = path.join(ROOT, 'src', 'host', 'commandIds.ts');
  const files = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'webview'))].filter((f) => f !== registry);
  assert.ok(files.length > 50, 'the source tree was found');
  const strays = files.flatMap((file) => [...fs.readFileSync(file, 'utf8').matchAll(/['"`](polyloss\.[A-Za-z.]+)['"`]/g)]
    .filter((m) => ids.has(m[1]))
    .map((m) => `${path.relative(ROOT, file)}: ${m[1]}`));
  assert.deepEqual(strays, []);
});
