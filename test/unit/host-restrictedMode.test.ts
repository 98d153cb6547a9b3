// Restricted Mode: the launcher of the extension never starts a command in an untrusted workspace,
// and does start it once the workspace is trusted. The launcher runs for real (real queue, real
// process, real files); only the `vscode` module is a stand-in with the few calls it makes.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommandRunConfig } from '../../src/core/runConfig';
import type { RunLauncher as RunLauncherClass } from '../../src/host/runLauncher';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-restricted-'));
const messages: string[] = [];
const fakeVscode = {
  workspace: {
    isTrusted: false,
    workspaceFolders: [{ uri: { scheme: 'file', fsPath: work } }],
    getConfiguration: () => ({ get: () => undefined }),
  },
  window: {
    showWarningMessage: (m: string) => { messages.push(m); return Promise.resolve(undefined); },
    showErrorMessage: (m: string) => { messages.push(m); return Promise.resolve(undefined); },
  },
  extensions: { getExtension: () => undefined },
  ProgressLocation: { Notification: 15 },
};

let RunLauncher: typeof RunLauncherClass;
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const originalLoad = loader._load;
before(async () => {
  loader._load = function load(request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakeVscode : originalLoad.call(this, request, ...rest);
  };
  ({ RunLauncher } = await import('../../src/host/runLauncher'));
});
after(() => {
  loader._load = originalLoad;
  fs.rmSync(work, { recursive: true, force: true });
});

function launcher(runsDir: string): RunLauncherClass {
  const quiet = (): void => undefined;
  return new RunLauncher({
    model: { runsDir, get: () => undefined, relay: quiet, reloadRuns: quiet } as never,
    live: { apply: () => false, markQueued: quiet, forget: quiet, get: () => undefined, progressText: () => '' } as never,
    log: { info: quiet, warn: quiet, error: quiet, trace: quiet, show: quiet } as never,
    workerPath: path.resolve(__dirname, '../../dist/worker.js'),
    maxConcurrent: () => 1,
    onDisplayChange: quiet,
    cliPath: path.resolve(__dirname, '../../dist/cli.js'),
  });
}

/** A command that leaves a mark when it runs: /bin/sh, so no Python is needed. */
function markingConfig(mark: string): CommandRunConfig {
  return { command: { argv: ['/bin/sh', '-c', `touch ${mark}`], cwd: work }, loss: { type: 'ce' }, seed: 1 };
}

describe('Restricted Mode', () => {
  it('an untrusted workspace starts no command and creates no run folder', async () => {
    fakeVscode.workspace.isTrusted = false;
    const runsDir = path.join(work, 'untrusted-runs');
    const mark = path.join(work, 'ran-untrusted');
    const ids = await launcher(runsDir).start([markingConfig(mark)], { batchProgress: false });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(ids, []);
    assert.equal(fs.existsSync(mark), false, 'the command did not run');
    assert.equal(fs.existsSync(runsDir), false, 'no run folder');
    assert.match(messages.at(-1) ?? '', /trust this workspace/);
  });

  it('once trusted, the same command runs as a run', async () => {
    fakeVscode.workspace.isTrusted = true;
    const runsDir = path.join(work, 'trusted-runs');
    const mark = path.join(work, 'ran-trusted');
    const runs = launcher(runsDir);
    const [id] = await runs.start([markingConfig(mark)], { batchProgress: false });
    assert.ok(id, messages.join('\n'));
    const record = path.join(runsDir, id, 'run.json');
    const ended = (): boolean => ['completed', 'failed'].includes((JSON.parse(fs.readFileSync(record, 'utf8')) as { status: string }).status);
    const deadline = Date.now() + 10_000;
    while (!ended() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(fs.existsSync(mark), true, 'the command ran');
    assert.equal(ended(), true, 'and its run ended');
  });
});
