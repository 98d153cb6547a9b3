import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../../src/core/runConfig';
import { RUN_SCHEMA_VERSION, type RunRecord } from '../../src/core/runFormat';
import { appendMetrics, readMetrics, writeRunRecord } from '../../src/store/runFiles';
import { generateRunId, RUN_ID_PATTERN, runSlug, timestampPart } from '../../src/store/runIds';
import {
  createRun, deleteRun, listRuns, readRun, reconcileInterrupted, renameRun, resolveRunId, RunStoreError,
} from '../../src/store/runStore';

function config(overrides: Partial<BuiltinRunConfig> = {}): BuiltinRunConfig {
  return { ...structuredClone(DEFAULT_CONFIG), ...overrides };
}

let runsDir: string;
beforeEach(() => {
  runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-store-'));
});
afterEach(() => {
  fs.rmSync(runsDir, { recursive: true, force: true });
});

describe('run ids', () => {
  it('start with the UTC time so that they sort by creation time', () => {
    const early = generateRunId(config(), new Date('2026-11-28T10:53:00.000Z'));
    const later = generateRunId(config(), new Date('2026-11-28T10:53:01.000Z'));
    assert.match(early, /^20261128-105300-/);
    assert.ok(early < later);
    assert.match(early, RUN_ID_PATTERN);
  });

  it('say what the run is in the slug', () => {
    assert.equal(runSlug(config({ loss: { type: 'poly', epsilon: 2 }, seed: 1 })), 'poly1-e2-s1');
    assert.equal(runSlug(config({ loss: { type: 'poly', epsilon: -1 }, seed: 3 })), 'poly1-em1-s3');
    assert.equal(runSlug(config({ loss: { type: 'poly', epsilon: [1, 0.5, 0] }, seed: 2 })), 'poly3-s2');
    assert.equal(runSlug(config({ loss: { type: 'ce' }, seed: 7 })), 'ce-s7');
    assert.equal(runSlug(config({ loss: { type: 'focal', gamma: 1.5 } })), 'focal-g1p5-s1');
    assert.equal(runSlug(config({ loss: { type: 'poly-focal', epsilon: -1 } })), 'pfocal1-g2-em1-s1');
  });

  it('differ within the same second thanks to the random suffix', () => {
    const now = new Date('2026-11-28T10:53:00Z');
    const ids = new Set(Array.from({ length: 200 }, () => generateRunId(config(), now)));
    assert.ok(ids.size >= 195, `only ${ids.size} distinct ids of 200`);
    assert.equal(timestampPart(now), '20261128-105300');
  });

  it('never merge two runs: createRun retries on a taken folder and refuses a taken explicit id', () => {
    const now = new Date('2026-11-28T10:53:00Z');
    const created = Array.from({ length: 50 }, () => createRun(runsDir, config(), { now }));
    assert.equal(new Set(created.map((c) => c.runId)).size, 50);
    assert.throws(() => createRun(runsDir, config(), { runId: created[0].runId }),
      (e: unknown) => e instanceof RunStoreError && e.code === 'exists');
    assert.throws(() => createRun(runsDir, config(), { runId: '../escape' }),
      (e: unknown) => e instanceof RunStoreError && e.code === 'invalid');
  });
});

describe('createRun', () => {
  it('writes a queued record owned by this process', () => {
    const { runId, runDir, record } = createRun(runsDir, config({ loss: { type: 'poly', epsilon: 2 }, seed: 4 }));
    assert.equal(runDir, path.join(runsDir, runId));
    const onDisk = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.deepEqual(onDisk, record);
    assert.equal(onDisk.status, 'queued');
    assert.equal(onDisk.schemaVersion, RUN_SCHEMA_VERSION);
    assert.equal(onDisk.launcherPid, process.pid);
    assert.equal(onDisk.launcherHost, os.hostname());
    assert.equal(onDisk.name, 'Poly-1 ε=2, seed 4');
  });
});

describe('listRuns', () => {
  it('lists good runs oldest first and each broken folder with its reason, ignoring stray files', () => {
    const first = createRun(runsDir, config({ seed: 1 }), { now: new Date('2026-01-01T00:00:00Z') });
    const second = createRun(runsDir, config({ seed: 2 }), { now: new Date('2026-01-02T00:00:00Z') });

    fs.mkdirSync(path.join(runsDir, 'no-record'));
    fs.mkdirSync(path.join(runsDir, 'bad-json'));
    fs.writeFileSync(path.join(runsDir, 'bad-json', 'run.json'), '{"schemaVersion": 1, "status": ');
    const newer = createRun(runsDir, config(), { runId: 'from-the-future' });
    writeRunRecord(newer.runDir, { ...newer.record, schemaVersion: RUN_SCHEMA_VERSION + 1 });
    fs.writeFileSync(path.join(runsDir, 'notes.txt'), 'not a run');
    fs.mkdirSync(path.join(runsDir, '.trash'));

    const { runs, broken } = listRuns(runsDir);
    assert.deepEqual(runs.map((r) => r.id), [first.runId, second.runId]);
    const reasons = Object.fromEntries(broken.map((b) => [b.runId, b.reason]));
    assert.deepEqual(Object.keys(reasons).sort(), ['bad-json', 'from-the-future', 'no-record']);
    assert.match(reasons['no-record'], /run\.json is missing/);
    assert.match(reasons['bad-json'], /not valid JSON/);
    assert.match(reasons['from-the-future'], new RegExp(`schemaVersion ${RUN_SCHEMA_VERSION + 1}, newer`));
    assert.equal(broken.find((b) => b.runId === 'bad-json')?.dir, path.join(runsDir, 'bad-json'));
  });

  it('reports records with an unknown status or no config as broken', () => {
    const a = createRun(runsDir, config(), { runId: 'odd-status' });
    writeRunRecord(a.runDir, { ...a.record, status: 'paused' as never });
    const b = createRun(runsDir, config(), { runId: 'no-config' });
    fs.writeFileSync(path.join(b.runDir, 'run.json'), JSON.stringify({ ...b.record, config: undefined }));
    const { runs, broken } = listRuns(runsDir);
    assert.equal(runs.length, 0);
    assert.match(broken.find((x) => x.runId === 'odd-status')!.reason, /status must be one of "queued", "running", "completed", .* \(got "paused"\)/);
    assert.match(broken.find((x) => x.runId === 'no-config')!.reason, /run\.json is not a valid run record: config is required/);
  });

  it('returns nothing for a runs folder that does not exist yet', () => {
    assert.deepEqual(listRuns(path.join(runsDir, 'missing')), { runs: [], broken: [] });
  });
});

describe('readRun', () => {
  it('accepts the full id, a unique prefix or a unique suffix, and names the matches when ambiguous', () => {
    const a = createRun(runsDir, config({ seed: 1 }), { runId: '20260101-000000-ce-s1-aaaa' });
    const b = createRun(runsDir, config({ seed: 2 }), { runId: '20260101-000000-ce-s2-bbbb' });
    assert.equal(readRun(runsDir, a.runId).id, a.runId);
    assert.equal(readRun(runsDir, '20260101-000000-ce-s2').id, b.runId);
    assert.equal(readRun(runsDir, 'aaaa').id, a.runId);
    assert.throws(() => readRun(runsDir, '20260101'), (e: unknown) => e instanceof RunStoreError && e.code === 'ambiguous'
      && e.message.includes(a.runId) && e.message.includes(b.runId));
    assert.throws(() => readRun(runsDir, 'zzzz'), (e: unknown) => e instanceof RunStoreError && e.code === 'not-found');
    assert.equal(resolveRunId(runsDir, 'bbbb'), b.runId);
  });

  it('throws the broken reason for an unreadable run', () => {
    fs.mkdirSync(path.join(runsDir, 'empty-run'));
    assert.throws(() => readRun(runsDir, 'empty-run'), (e: unknown) => e instanceof RunStoreError && e.code === 'broken'
      && /missing/.test(e.message));
  });
});

describe('readMetrics', () => {
  it('keeps every whole line and skips a truncated last line', () => {
    const { runDir } = createRun(runsDir, config());
    const step = { kind: 'step' as const, step: 1, epoch: 1, t: 5, loss: 2.3, base: 2.1, poly: 0.2, acc: 0.1 };
    appendMetrics(runDir, [step, { ...step, step: 2, loss: 2.2 }]);
    fs.appendFileSync(path.join(runDir, 'metrics.jsonl'), '{"kind":"step","step":3,"ep');
    const { lines, skipped } = readMetrics(runDir);
    assert.deepEqual(lines.map((l) => l.step), [1, 2]);
    assert.equal(skipped, 1);
  });
});

describe('renameRun and deleteRun', () => {
  it('renames through user.json, so a worker rewriting run.json cannot undo it', () => {
    const { runId, runDir, record } = createRun(runsDir, config());
    writeRunRecord(runDir, { ...record, status: 'running' });
    const renamed = renameRun(runsDir, runId, '  baseline  ');
    assert.equal(renamed.name, 'baseline');
    // The worker's next write is based on the record it read before the rename.
    writeRunRecord(runDir, { ...record, status: 'completed', summary: { steps: 10, epochs: 1, testAcc: 0.9 } });
    const onDisk = readRun(runsDir, runId);
    assert.equal(onDisk.name, 'baseline');
    assert.equal(onDisk.status, 'completed');
    assert.equal(onDisk.summary?.testAcc, 0.9);
    assert.equal(listRuns(runsDir).runs[0].name, 'baseline');
    assert.equal(onDisk.renamed, true, 'the record says the name is the user\'s (legends show it)');
    writeRunRecord(runDir, onDisk);
    assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')).renamed, undefined, 'and run.json never stores that');
    assert.throws(() => renameRun(runsDir, runId, '   '), /name must not be empty/);
    assert.deepEqual(fs.readdirSync(runDir).sort(), ['run.json', 'user.json']);
    fs.writeFileSync(path.join(runDir, 'user.json'), '{"name": ');
    assert.equal(readRun(runsDir, runId).name, 'baseline', 'run.json kept the name the last write read');
    assert.equal(readRun(runsDir, runId).renamed, undefined, 'an unreadable user.json is no rename');
  });

  it('refuses to delete a run whose owner is alive unless forced, and deletes broken folders', () => {
    const { runId, runDir, record } = createRun(runsDir, config());
    assert.throws(() => deleteRun(runsDir, runId), (e: unknown) => e instanceof RunStoreError && e.code === 'active');
    assert.ok(fs.existsSync(runDir));
    writeRunRecord(runDir, { ...record, status: 'completed' });
    assert.equal(deleteRun(runsDir, runId.slice(0, 20)), runId);
    assert.ok(!fs.existsSync(runDir));

    const other = createRun(runsDir, config());
    deleteRun(runsDir, other.runId, { force: true });
    assert.ok(!fs.existsSync(other.runDir));
    fs.mkdirSync(path.join(runsDir, 'junk'));
    deleteRun(runsDir, 'junk');
    assert.deepEqual(fs.readdirSync(runsDir), []);
  });
});

describe('runs folder that cannot be created or read', () => {
  it('refuses a runs folder below a file, or on a file system that creates no folders, without hanging', () => {
    const file = path.join(runsDir, 'a-file');
    fs.writeFileSync(file, '');
    for (const target of [file, path.join(file, 'runs'), '/proc/polyloss-runs/nested']) {
      assert.throws(() => createRun(target, config()),
        (e: unknown) => e instanceof RunStoreError && e.code === 'unwritable' && e.message.includes(target), target);
    }
    assert.throws(() => listRuns(file), (e: unknown) => e instanceof RunStoreError && e.code === 'unreadable' && /ENOTDIR/.test(e.message));
    assert.deepEqual(fs.readdirSync(runsDir), ['a-file']);
  });

  it('creates missing parents', () => {
    const nested = path.join(runsDir, 'a', 'b', 'runs');
    const { runDir } = createRun(nested, config());
    assert.ok(fs.existsSync(path.join(runDir, 'run.json')));
  });
});

describe('reconcileInterrupted', () => {
  const DEAD = 999_999_001;
  const isAlive = (pid: number) => pid !== DEAD;

  function withRecord(runId: string, patch: Partial<RunRecord>): string {
    const { runDir, record } = createRun(runsDir, config(), { runId });
    writeRunRecord(runDir, { ...record, ...patch });
    return runDir;
  }

  it('marks runs whose worker and launcher are both gone, and only those', () => {
    const env = { backend: 'cpu', tfjsVersion: '4.22.0', nodeVersion: 'v20', platform: 'linux' };
    withRecord('running-dead', { status: 'running', launcherPid: DEAD, environment: { ...env, pid: DEAD } });
    withRecord('running-worker-alive', { status: 'running', launcherPid: DEAD, environment: { ...env, pid: process.pid } });
    withRecord('running-launcher-alive', { status: 'running', launcherPid: process.pid, environment: { ...env, pid: DEAD } });
    withRecord('queued-dead', { status: 'queued', launcherPid: DEAD });
    withRecord('queued-alive', { status: 'queued' });
    withRecord('queued-no-pid', { status: 'queued', launcherPid: undefined, launcherHost: undefined });
    withRecord('queued-other-host', { status: 'queued', launcherPid: DEAD, launcherHost: 'another-machine' });
    withRecord('completed-dead', { status: 'completed', launcherPid: DEAD });

    const changed = reconcileInterrupted(runsDir, { isAlive, now: new Date('2026-02-03T04:05:06Z') });
    assert.deepEqual(changed.map((r) => r.id).sort(), ['queued-dead', 'running-dead']);
    const status = Object.fromEntries(listRuns(runsDir).runs.map((r) => [r.id, r.status]));
    assert.deepEqual(status, {
      'running-dead': 'interrupted',
      'running-worker-alive': 'running',
      'running-launcher-alive': 'running',
      'queued-dead': 'interrupted',
      'queued-alive': 'queued',
      'queued-no-pid': 'queued',
      'queued-other-host': 'queued',
      'completed-dead': 'completed',
    });
    const interrupted = readRun(runsDir, 'running-dead');
    assert.equal(interrupted.endedAt, '2026-02-03T04:05:06.000Z');
    assert.match(interrupted.error ?? '', new RegExp(`pid ${DEAD}`));
    assert.deepEqual(reconcileInterrupted(runsDir, { isAlive }), [], 'a second pass changes nothing');
  });

  it('works from the runs it is given, re-reading each candidate before marking it', () => {
    withRecord('dead-listed', { status: 'running', launcherPid: DEAD });
    withRecord('dead-unlisted', { status: 'running', launcherPid: DEAD });
    const endedMeanwhile = withRecord('ended-meanwhile', { status: 'running', launcherPid: DEAD });
    const listed = listRuns(runsDir).runs.filter((r) => r.id !== 'dead-unlisted');
    writeRunRecord(endedMeanwhile, { ...readRun(runsDir, 'ended-meanwhile'), status: 'completed' });

    assert.deepEqual(reconcileInterrupted(runsDir, { runs: listed, isAlive }).map((r) => r.id), ['dead-listed']);
    assert.equal(readRun(runsDir, 'dead-unlisted').status, 'running', 'a run not in the list is not read');
    assert.equal(readRun(runsDir, 'ended-meanwhile').status, 'completed', 'the end its owner recorded since the listing stands');
  });

  it('uses process.kill(pid, 0) by default: a pid that exited is gone', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    withRecord('gone', { status: 'running', launcherPid: child.pid });
    assert.deepEqual(reconcileInterrupted(runsDir).map((r) => r.id), ['gone']);
  });
});
