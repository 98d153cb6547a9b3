// Direct watches on real folders: a runs folder created later, a run folder with its files made in
// one go (as `mkdir -p` + writes by the CLI), and only the folders asked for being followed.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { RunsFolderWatch } from '../../src/host/runsFolderWatch';
import { createRun, deleteRun } from '../../src/store/runStore';

let root: string;
let watch: RunsFolderWatch | undefined;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-folder-watch-'));
});
afterEach(() => {
  watch?.dispose();
  watch = undefined;
  fs.rmSync(root, { recursive: true, force: true });
});

async function until(what: string, probe: () => boolean, timeout = 3000): Promise<void> {
  const end = Date.now() + timeout;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('direct watches of the runs folder', () => {
  it('notice the runs folder once it is created, and runs made inside it in one go', async () => {
    const runsDir = path.join(root, '.polyloss', 'runs');
    const seen: string[] = [];
    watch = new RunsFolderWatch(runsDir, (paths) => seen.push(...paths));
    fs.mkdirSync(path.join(runsDir, 'run-a'), { recursive: true });
    fs.writeFileSync(path.join(runsDir, 'run-a', 'run.json'), '{}');
    await until('the runs folder to be reported', () => seen.includes(runsDir));
    fs.mkdirSync(path.join(runsDir, 'run-b'));
    fs.writeFileSync(path.join(runsDir, 'run-b', 'run.json'), '{}');
    await until('run-b to be reported', () => seen.includes(path.join(runsDir, 'run-b')));
    assert.ok(watch.watchedRuns().includes('run-b'), 'a new run folder is followed at once');
    fs.appendFileSync(path.join(runsDir, 'run-b', 'metrics.jsonl'), '{}\n');
    await until('metrics of run-b to be reported', () => seen.includes(path.join(runsDir, 'run-b', 'metrics.jsonl')));
  });

  it('poll nothing while the runs folder is missing: they watch the nearest existing folder instead', async (t) => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    t.after(() => mock.timers.reset());
    const timeouts = mock.method(globalThis, 'setTimeout');
    const intervals = mock.method(globalThis, 'setInterval');
    const runsDir = path.join(root, 'deep', '.polyloss', 'runs');
    const seen: string[] = [];
    watch = new RunsFolderWatch(runsDir, (paths) => seen.push(...paths));
    mock.timers.tick(60_000);
    assert.equal(timeouts.mock.callCount() + intervals.mock.callCount(), 0, 'no timer while nothing changes');
    mock.timers.reset();
    fs.mkdirSync(path.join(root, 'deep'));
    fs.mkdirSync(path.join(root, 'deep', '.polyloss'));
    fs.mkdirSync(runsDir);
    await until('the runs folder to be reported', () => seen.includes(runsDir));
    fs.mkdirSync(path.join(runsDir, 'run-c'));
    await until('run-c to be reported', () => seen.includes(path.join(runsDir, 'run-c')));
  });

  it('follows only the run folders asked for', async () => {
    for (const id of ['live', 'done']) fs.mkdirSync(path.join(root, id));
    const seen: string[] = [];
    watch = new RunsFolderWatch(root, (paths) => seen.push(...paths));
    watch.watchRuns(['live', 'done']);
    watch.watchRuns(['live']);
    assert.deepEqual(watch.watchedRuns(), ['live']);
    assert.deepEqual(watch.folderNames().sort(), ['done', 'live']);
    fs.writeFileSync(path.join(root, 'done', 'run.json'), '{}');
    fs.writeFileSync(path.join(root, 'live', 'run.json'), '{}');
    // One inotify queue delivers events in order: had 'done' been followed, its write (made first) would be seen by now.
    await until('the live run to be reported', () => seen.includes(path.join(root, 'live', 'run.json')));
    assert.ok(!seen.includes(path.join(root, 'done', 'run.json')), 'a finished run is no longer followed');
  });

  it('leaves out the store\'s hidden folders: a created run is reported by its own name, a deleted one too', async () => {
    const seen: string[] = [];
    watch = new RunsFolderWatch(root, (paths) => seen.push(...paths));
    const { runId } = createRun(root, structuredClone(DEFAULT_CONFIG)); // made as .creating-*, renamed into place
    await until('the new run to be reported', () => seen.includes(path.join(root, runId)));
    deleteRun(root, runId, { force: true }); // moved to .deleting-* first
    await until('the deleted run to be reported', () => seen.filter((p) => p === path.join(root, runId)).length >= 2);
    // A file written after the deletion ended: once it is reported, every event of the deletion has been too.
    fs.writeFileSync(path.join(root, 'sentinel'), '');
    await until('the sentinel to be reported', () => seen.includes(path.join(root, 'sentinel')));
    const hidden = seen.filter((p) => path.relative(root, p).startsWith('.'));
    assert.deepEqual(hidden, [], 'no hidden folder reported');
    assert.deepEqual(watch.watchedRuns(), [runId], 'only the run itself was followed');
    assert.deepEqual(watch.folderNames(), []);
  });

  it('reports a deleted run folder', async () => {
    fs.mkdirSync(path.join(root, 'gone'));
    const seen: string[] = [];
    watch = new RunsFolderWatch(root, (paths) => seen.push(...paths));
    fs.rmSync(path.join(root, 'gone'), { recursive: true });
    await until('the deletion to be reported', () => seen.includes(path.join(root, 'gone')));
  });
});
