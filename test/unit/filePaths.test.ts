import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileNameOf, folderOf, resolveFrom } from '../../src/core/filePaths';

// node:path is the reference, in the style of each case.
const POSIX_FOLDERS = ['/', '/w', '/w/study', '/w/a b/ü'];
const WINDOWS_FOLDERS = ['C:\\', 'C:\\w', 'd:\\w\\study', 'C:/w/mixed', '\\\\server\\share\\w'];
const RELATIVE = ['data.csv', './data.csv', '../data/x.csv', 'a/../../b', '..', '.', 'x//y/./z', '../../../../up.csv'];

test('resolveFrom is path.resolve(folder, p) for POSIX folders', () => {
  for (const folder of POSIX_FOLDERS) {
    for (const p of [...RELATIVE, '/abs/x.csv', '/abs/../y']) {
      assert.equal(resolveFrom(folder, p), path.posix.resolve(folder, p), `${folder} + ${p}`);
    }
  }
});

test('resolveFrom is path.resolve(folder, p) for Windows folders, both separators, drive and UNC roots', () => {
  for (const folder of WINDOWS_FOLDERS) {
    for (const p of [...RELATIVE, ...RELATIVE.map((r) => r.replace(/\//g, '\\')), 'E:\\abs\\x.csv', '\\rooted\\x.csv', '\\\\other\\share\\x.csv']) {
      assert.equal(resolveFrom(folder, p), path.win32.resolve(folder, p), `${folder} + ${p}`);
    }
  }
});

test('folderOf and fileNameOf are path.dirname and path.basename of absolute file paths', () => {
  const posix = ['/w/study/digits.polyloss.json', '/digits.polyloss.json', '/a b/c.json'];
  for (const p of posix) {
    assert.equal(folderOf(p), path.posix.dirname(p), p);
    assert.equal(fileNameOf(p), path.posix.basename(p), p);
  }
  const windows = ['C:\\w\\study\\digits.polyloss.json', 'C:\\digits.polyloss.json', 'C:/w/x.json', '\\\\server\\share\\f.json', '\\\\server\\share\\d\\f.json'];
  for (const p of windows) {
    assert.equal(folderOf(p), path.win32.dirname(p), p);
    assert.equal(fileNameOf(p), path.win32.basename(p), p);
  }
  assert.equal(fileNameOf('C.POLYLOSS.JSON'), 'C.POLYLOSS.JSON');
});
