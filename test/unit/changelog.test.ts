import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');
const KINDS = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security'];

// Keep a Changelog: "## [Unreleased]" first, then "## [x.y.z] - YYYY-MM-DD" newest first, and
// changes grouped under "### Added" / "### Changed" / "### Fixed" (…) headings.
test('CHANGELOG.md follows Keep a Changelog: dated versions, newest first, grouped by kind of change', () => {
  const text = fs.readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
  const versions = [...text.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
  assert.equal(versions[0], '[Unreleased]');
  const released = versions.slice(1).map((heading) => {
    const match = /^\[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$/.exec(heading);
    assert.ok(match, `version heading "${heading}" is not "[x.y.z] - YYYY-MM-DD"`);
    return { version: match.slice(1, 4).map(Number), date: match[4] };
  });
  assert.ok(released.length >= 2);
  for (let i = 1; i < released.length; i++) {
    const [newer, older] = [released[i - 1], released[i]];
    assert.ok(newer.date >= older.date, `${newer.version.join('.')} is dated before ${older.version.join('.')}`);
    const order = newer.version.findIndex((part, k) => part !== older.version[k]);
    assert.ok(order >= 0 && newer.version[order] > older.version[order], 'versions are not newest first');
  }
  const current = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
  assert.equal(released[0].version.join('.'), current, 'the newest released version is package.json\'s');
  for (const [, kind] of text.matchAll(/^### (.*)$/gm)) assert.ok(KINDS.includes(kind), `"### ${kind}" is not a Keep a Changelog kind`);
  for (const block of text.split(/^## /m).slice(1)) {
    const kinds = [...block.matchAll(/^### (.*)$/gm)].map((m) => m[1]);
    assert.equal(new Set(kinds).size, kinds.length, `a kind of change is listed twice under ## ${block.split('\n')[0]}`);
  }
});
