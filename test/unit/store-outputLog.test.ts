import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { outputFileOf, outputSizeOf, readOutputTail } from '../../src/store/outputLog';

describe('the end of output.log', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-output-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is undefined while there is no file, and the whole file while it is short', () => {
    assert.equal(readOutputTail(dir, 64), undefined);
    assert.equal(outputSizeOf(dir), undefined);
    fs.writeFileSync(outputFileOf(dir), 'line 1\nline 2\n');
    assert.deepEqual(readOutputTail(dir, 64), { text: 'line 1\nline 2\n', truncated: false, size: 14 });
    assert.equal(outputSizeOf(dir), 14);
  });

  it('starts at a whole line when the file is longer than the bytes read, and says so', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `step ${i} ✓`);
    fs.writeFileSync(outputFileOf(dir), `${lines.join('\n')}\n`);
    const tail = readOutputTail(dir, 40)!;
    assert.equal(tail.truncated, true);
    assert.equal(tail.size, fs.statSync(outputFileOf(dir)).size);
    assert.deepEqual(tail.text.split('\n'), ['step 97 ✓', 'step 98 ✓', 'step 99 ✓', '']);
  });
});
