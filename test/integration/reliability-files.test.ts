/**
 * Reliability: damaged run folders (truncated metrics, invalid run.json, a newer schema, stray files)
 * and a runs folder that cannot be written, through the real CLI process.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunRecord } from '../../src/core/runFormat';
import { readMetrics } from '../../src/store/runFiles';
import type { BrokenRun } from '../../src/store/runStore';
import { build, cli, parseJson, tempDir, tiny, tree } from './reliabilityKit';

let workDir: string;
let runsDir: string;
let good: RunRecord[];

before(async () => {
  build();
  workDir = tempDir('files');
  runsDir = path.join(workDir, 'runs');
  const trained = await cli(['train', ...tiny(), '--seeds', '1,2', '--concurrency', '2', '--runs-dir', runsDir, '--json'], workDir);
  assert.equal(trained.code, 0, trained.stderr);
  good = parseJson<{ runs: RunRecord[] }>(trained).runs;
});

after(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** A copy of a trained run under another folder name, then damaged by `damage`. */
function damagedCopy(name: string, damage: (dir: string) => void): string {
  const dir = path.join(runsDir, name);
  fs.cpSync(path.join(runsDir, good[0].id), dir, { recursive: true });
  damage(dir);
  return name;
}

function editRunJson(dir: string, edit: (record: Record<string, unknown>) => void): void {
  const file = path.join(dir, 'run.json');
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(record);
  fs.writeFileSync(file, JSON.stringify(record));
}

describe('damaged run folders', () => {
  const expectedBroken: Record<string, RegExp> = {};
  let truncatedId: string;

  before(() => {
    truncatedId = damagedCopy('20990101-000000-truncated-metrics-0001', (dir) => {
      const file = path.join(dir, 'metrics.jsonl');
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.slice(0, text.length - 20)); // cut inside the last line
      editRunJson(dir, (r) => { r.createdAt = '2099-01-01T00:00:00.000Z'; });
    });
    const broken = (name: string, reason: RegExp, damage: (dir: string) => void) => {
      damagedCopy(name, damage);
      expectedBroken[name] = reason;
    };
    broken('bad-json', /run\.json is not valid JSON/, (dir) => {
      const file = path.join(dir, 'run.json');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 50));
    });
    broken('empty-run-json', /run\.json is not valid JSON/, (dir) => fs.writeFileSync(path.join(dir, 'run.json'), ''));
    broken('future-schema', /schemaVersion 99, newer than this version of PolyLoss Lab reads \(1\); update PolyLoss Lab/,
      (dir) => editRunJson(dir, (r) => { r.schemaVersion = 99; }));
    broken('unknown-status', /status must be one of "queued", "running", "completed", .* \(got "exploded"\)/,
      (dir) => editRunJson(dir, (r) => { r.status = 'exploded'; }));
    broken('no-config', /config is required/, (dir) => editRunJson(dir, (r) => { delete r.config; }));
    broken('array-run-json', /not a JSON object/, (dir) => fs.writeFileSync(path.join(dir, 'run.json'), '[]'));
    broken('missing-run-json', /run\.json is missing/, (dir) => fs.rmSync(path.join(dir, 'run.json')));
    // Stray entries: files in the runs folder, a hidden folder, a temp file of an interrupted atomic write.
    fs.writeFileSync(path.join(runsDir, 'notes.txt'), 'my notes\n');
    fs.writeFileSync(path.join(runsDir, '.DS_Store'), '\0\0');
    fs.mkdirSync(path.join(runsDir, '.trash'));
    fs.writeFileSync(path.join(runsDir, good[1].id, 'run.json.4242.1700000000000.tmp'), '{"half": ');
  });

  it('list --json loads the rest and lists each broken folder with its reason', async () => {
    const result = await cli(['list', '--json', '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 0, result.stderr);
    const { runs, broken } = parseJson<{ runs: RunRecord[]; broken: BrokenRun[] }>(result);
    assert.deepEqual(runs.map((r) => r.id), [...good.map((r) => r.id), truncatedId]);
    assert.deepEqual(runs.map((r) => r.status), ['completed', 'completed', 'completed']);
    assert.deepEqual(broken.map((b) => b.runId).sort(), Object.keys(expectedBroken).sort());
    for (const b of broken) {
      assert.match(b.reason, expectedBroken[b.runId], b.runId);
      assert.equal(b.dir, path.join(runsDir, b.runId));
    }
  });

  it('list shows the broken folders under the table, with the reasons', async () => {
    const result = await cli(['list', '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`${good[0].id}\\s+completed`));
    assert.match(result.stdout, new RegExp(`${Object.keys(expectedBroken).length} run folder\\(s\\) cannot be read:`));
    for (const [name, reason] of Object.entries(expectedBroken)) {
      const line = result.stdout.split('\n').find((l) => l.trim().startsWith(`${name}:`));
      assert.ok(line, `no line for ${name}`);
      assert.match(line, reason);
    }
    assert.doesNotMatch(result.stdout, /notes\.txt|DS_Store|\.trash/);
  });

  it('show reads a run whose metrics end in a cut line, and says a line was skipped', async () => {
    const json = parseJson<{ record: RunRecord; stepLines: number; skippedLines: number }>(
      await cli(['show', truncatedId, '--json', '--runs-dir', runsDir], workDir));
    assert.equal(json.skippedLines, 1);
    const whole = readMetrics(path.join(runsDir, good[0].id)).lines;
    assert.equal(whole.at(-1)?.kind, 'epoch', 'precondition: the cut line is the epoch line');
    assert.equal(json.stepLines, whole.length - 1, 'every step line survives the cut');
    const text = await cli(['show', truncatedId, '--runs-dir', runsDir], workDir);
    assert.equal(text.code, 0);
    assert.match(text.stderr, /1 unreadable line\(s\) in metrics\.jsonl were skipped/);
    const exported = await cli(['export', truncatedId, '--format', 'csv', '--runs-dir', runsDir], workDir);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout.trimEnd().split('\n').length - 1, whole.length - 1, 'one CSV row per readable line');
  });

  it('show of a broken run fails with exit 1 and names the run and the reason; the good ones still compare', async () => {
    const result = await cli(['show', 'future-schema', '--runs-dir', runsDir], workDir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /run future-schema cannot be read: run\.json has schemaVersion 99/);
    const compared = await cli(['compare', good[0].id, good[1].id, '--json', '--runs-dir', runsDir], workDir);
    assert.equal(compared.code, 0, compared.stderr);
  });
});

describe('a runs folder that cannot be written', () => {
  it('a file where the runs folder should be: exit 2 with the reason, the file untouched, listing explains', async () => {
    const file = path.join(workDir, 'not-a-folder');
    fs.writeFileSync(file, 'keep me\n');
    for (const target of [file, path.join(file, 'runs')]) {
      const result = await cli(['train', ...tiny(), '--seeds', '1,2', '--runs-dir', target], workDir);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`cannot create the runs folder ${target}: .*(is not a folder|is a file, not a folder)`));
    }
    assert.equal(fs.readFileSync(file, 'utf8'), 'keep me\n');
    const listed = await cli(['list', '--json', '--runs-dir', file], workDir);
    assert.equal(listed.code, 2);
    assert.match(parseJson<{ error: string }>(listed).error, /cannot read the runs folder .*not-a-folder: .*is a file, not a folder \(ENOTDIR\)/);
  });

  it('a file system that refuses folders even to root (/sys, /proc): a clear error, no hang', async () => {
    for (const target of ['/sys/polyloss-runs', '/proc/polyloss-runs/nested']) {
      assert.throws(() => fs.mkdirSync(target), 'precondition: the folder cannot be made');
      const started = Date.now();
      const result = await cli(['train', ...tiny(), '--runs-dir', target, '--json'], workDir);
      assert.equal(result.code, 2, result.stderr);
      assert.match(parseJson<{ error: string }>(result).error, new RegExp(`cannot create the runs folder ${target}: (permission denied|folders cannot be created there)`));
      assert.ok(Date.now() - started < 10_000);
    }
  });

  it('an immutable runs folder (chattr +i): training refused, existing runs still listed and shown', async () => {
    const lockedRuns = path.join(workDir, 'locked-runs');
    fs.cpSync(path.join(runsDir, good[0].id), path.join(lockedRuns, good[0].id), { recursive: true });
    const before = tree(lockedRuns);
    execFileSync('chattr', ['+i', lockedRuns]);
    try {
      assert.throws(() => fs.mkdirSync(path.join(lockedRuns, 'probe')), 'precondition: root cannot create entries');
      const result = await cli(['train', ...tiny(), '--runs-dir', lockedRuns], workDir);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /cannot create a run folder in .*locked-runs: permission denied \(EPERM\)/);
      const listed = parseJson<{ runs: RunRecord[] }>(await cli(['list', '--json', '--runs-dir', lockedRuns], workDir));
      assert.deepEqual(listed.runs.map((r) => r.id), [good[0].id]);
      const shown = await cli(['show', good[0].id, '--runs-dir', lockedRuns], workDir);
      assert.equal(shown.code, 0, shown.stderr);
      assert.deepEqual(tree(lockedRuns), before, 'nothing was added or removed');
    } finally {
      execFileSync('chattr', ['-i', lockedRuns]);
    }
    const healthy = await cli(['train', ...tiny(), '--runs-dir', lockedRuns, '--json'], workDir);
    assert.equal(healthy.code, 0, `the same folder works again once writable:\n${healthy.stderr}`);
  });
});
