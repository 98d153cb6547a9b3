// `polyloss show`: a run of the user's script shows what trained it (command, folder, interpreter and how
// it was chosen, Python and torch, exit code) instead of the engine's tfjs and node versions, and every
// label stays apart from its value however long it is.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RunRecord } from '../../src/core/runFormat';
import { writeRunRecord } from '../../src/store/runFiles';
import { createRun } from '../../src/store/runStore';
import { runCliCaptured } from './cliCapture';

let runsDir: string;
beforeEach(() => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-show-'));
});
afterEach(() => {
  fs.rmSync(runsDir, { recursive: true, force: true });
});

describe('polyloss show', () => {
  it('a script\'s run: its command, interpreter, versions and exit code; no "undefined", labels apart from values', async () => {
    const config = {
      loss: { type: 'poly' as const, epsilon: 1 }, seed: 2,
      command: { argv: ['python3', 'train.py', '--name', 'my run'], cwd: '/work/proj', params: { batch_size: 64 } },
    };
    const { runDir, record } = createRun(runsDir, config, { runId: 'script-run' });
    const done: RunRecord = {
      ...record, status: 'completed', startedAt: record.createdAt, endedAt: record.createdAt,
      environment: { backend: 'pytorch', platform: 'linux-x64' } as RunRecord['environment'],
      trainer: {
        kind: 'command', argv: ['/usr/bin/python3', 'train.py', '--name', 'my run'], cwd: '/work/proj', exitCode: 0,
        interpreter: '/usr/bin/python3', interpreterSource: '--python flag', python: '3.11.2', torch: '1.13.0',
      },
      summary: { steps: 200, epochs: 10, testAcc: 0.9 },
    };
    writeRunRecord(runDir, done);
    const { code, out } = await runCliCaptured(['show', 'script-run'], runsDir);
    assert.equal(code, 0);
    assert.match(out, /^command: +\/usr\/bin\/python3 train\.py --name 'my run'$/m);
    assert.match(out, /^folder: +\/work\/proj$/m);
    assert.match(out, /^python: +\/usr\/bin\/python3 \(--python flag\)$/m);
    assert.match(out, /^python · torch: +3\.11\.2 · 1\.13\.0$/m);
    assert.match(out, /^seed · exit code: +2 · 0$/m);
    assert.match(out, /^ {2}command\.params\.batch_size +64$/m, 'a long config label keeps a space before its value');
    assert.match(out, /^ {2}epochs +10$/m, 'no planned epochs to show for a script');
    assert.doesNotMatch(out, /undefined|tfjs/);
    const listed = await runCliCaptured(['list'], runsDir);
    assert.match(listed.out, /^script-run\s+completed\s+.*train\.py\s+Poly-1 ε=1\s+10\s+90\.00%/m, 'list: the epochs it trained, no "/?"');
  });
});
