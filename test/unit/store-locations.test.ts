// Where the store writes besides run folders: saved sweeps live inside the runs folder the user chose
// (old ones are still found next to it), and output the CLI cannot write gets a message, not a raw code.
// Tests run as root, where file modes stop nothing: a file where a folder should be (ENOTDIR) and
// /sys, which refuses new entries even to root (EPERM), stand for folders that cannot be written.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { withDefaults } from '../../src/core/config';
import { appendMetrics, writeRunRecord } from '../../src/store/runFiles';
import { createRun, RunStoreError } from '../../src/store/runStore';
import { listSavedSweeps, loadSweep, newSavedSweep, removeSavedSweep, saveSweep, sweepFilePath } from '../../src/store/sweepFiles';
import { runCliCaptured } from './cliCapture';

const READ_ONLY = '/sys/polyloss-cannot-write';
const base = withDefaults({ epochs: 2, dataset: { name: 'iris' }, model: { type: 'mlp', hidden: [8] } });
const SWEEP = 'sweep-20260101-000000-aaaaaa';

let root: string;
let runsDir: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-locations-'));
  runsDir = path.join(root, 'runs');
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('saved sweeps', () => {
  it('are saved inside the runs folder, so a parent that cannot be written does not matter', () => {
    fs.writeFileSync(path.join(root, 'sweeps'), 'a file where the old place would be');
    const file = saveSweep(runsDir, newSavedSweep(SWEEP, { epsilon: [0, 1], seeds: 2 }, base));
    assert.equal(file, path.join(runsDir, '.sweeps', `${SWEEP}.json`));
    assert.deepEqual(listSavedSweeps(runsDir), [SWEEP]);
    assert.equal(loadSweep(runsDir, SWEEP).spec.seeds, 2);
  });

  it('saved by an older version next to the runs folder are still read, listed, located and removed', () => {
    const legacy = path.join(root, 'sweeps', `${SWEEP}.json`);
    fs.mkdirSync(path.dirname(legacy));
    fs.writeFileSync(legacy, JSON.stringify(newSavedSweep(SWEEP, { epsilon: [2], seeds: 3 }, base)));
    saveSweep(runsDir, newSavedSweep('sweep-20260102-000000-bbbbbb', { epsilon: [1], seeds: 1 }, base));
    assert.deepEqual(listSavedSweeps(runsDir), [SWEEP, 'sweep-20260102-000000-bbbbbb']);
    assert.deepEqual(loadSweep(runsDir, SWEEP).spec, { epsilon: [2], seeds: 3 });
    assert.equal(sweepFilePath(runsDir, SWEEP), legacy);
    removeSavedSweep(runsDir, SWEEP);
    assert.equal(fs.existsSync(legacy), false);
    assert.deepEqual(listSavedSweeps(runsDir), ['sweep-20260102-000000-bbbbbb']);
  });

  it('in a runs folder that cannot be created: a RunStoreError naming the folder and why', () => {
    assert.throws(() => saveSweep(path.join(READ_ONLY, 'runs'), newSavedSweep(SWEEP, { seeds: 1 }, base)),
      (e: unknown) => e instanceof RunStoreError && e.code === 'unwritable'
        && e.message === `cannot create the runs folder ${path.join(READ_ONLY, 'runs')}: permission denied (EPERM)`);
  });

  it('polyloss sweep into a runs folder that cannot be written exits 2 with that message, not a raw EPERM', async () => {
    const result = await runCliCaptured(['sweep', '--dataset', 'iris', '--epsilon', '0,1', '--seeds', '1', '--yes'], path.join(READ_ONLY, 'runs'));
    assert.equal(result.code, 2, result.err);
    assert.match(result.err, /^polyloss: cannot create the runs folder \/sys\/polyloss-cannot-write\/runs: permission denied \(EPERM\)$/m);
  });
});

describe('report --out and export --out where nothing can be written', () => {
  beforeEach(() => {
    const { runDir, record } = createRun(runsDir, base, { runId: 'run-1' });
    writeRunRecord(runDir, { ...record, status: 'completed', summary: { steps: 4, epochs: 1, testAcc: 0.9 } });
    appendMetrics(runDir, [{ kind: 'epoch', epoch: 1, step: 4, t: 1, trainLoss: 1, valLoss: 1, valAcc: 0.9, pt: { mean: 0.5, q25: 0.4, q50: 0.5, q75: 0.6 } }]);
    fs.writeFileSync(path.join(root, 'a-file'), '');
  });

  it('report: a usage error naming --out, the folder and the reason', async () => {
    const readOnly = await runCliCaptured(['report', 'run-1', '--out', path.join(READ_ONLY, 'report')], runsDir);
    assert.equal(readOnly.code, 2);
    assert.match(readOnly.err, /^polyloss: --out \/sys\/polyloss-cannot-write\/report: cannot write there: permission denied \(EPERM\)$/m);
    const underFile = await runCliCaptured(['report', 'run-1', '--out', path.join(root, 'a-file', 'report')], runsDir);
    assert.equal(underFile.code, 2);
    assert.match(underFile.err, /--out .*a-file\/report: cannot write there: .*a-file\/report or a folder on its path is a file, not a folder \(ENOTDIR\)/);
  });

  it('export: the same, and nothing half-written; a missing folder is created', async () => {
    const readOnly = await runCliCaptured(['export', 'run-1', '--out', path.join(READ_ONLY, 'm.csv')], runsDir);
    assert.equal(readOnly.code, 2);
    assert.match(readOnly.err, /^polyloss: --out \/sys\/polyloss-cannot-write\/m\.csv: cannot write there: permission denied \(EPERM\)$/m);
    const underFile = await runCliCaptured(['export', 'run-1', '--out', path.join(root, 'a-file', 'm.csv')], runsDir);
    assert.equal(underFile.code, 2);
    assert.match(underFile.err, /\(ENOTDIR\)/);
    const fresh = path.join(root, 'new', 'folder', 'm.csv');
    const written = await runCliCaptured(['export', 'run-1', '--out', fresh], runsDir);
    assert.equal(written.code, 0, written.err);
    assert.match(fs.readFileSync(fresh, 'utf8'), /^run_id,kind,/);
    assert.deepEqual(fs.readdirSync(path.dirname(fresh)), ['m.csv']);
  });
});
