// Run Sweep… on a script run, "Slurm cluster": the real sweep command, wizard and launcher submit the
// runs of the user's command as one job array, through the runner's Slurm submission (the same as
// `polyloss sweep --command … --executor slurm`). Only `vscode` is a stand-in that answers the quick
// inputs, and sbatch / scontrol are small scripts on PATH that record how they were called.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CommandRunConfig } from '../../src/core/runConfig';
import type { RunRecord } from '../../src/core/runFormat';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-sweep-slurm-'));
const workspace = path.join(work, 'project');
const bin = path.join(work, 'bin');
const calls = path.join(work, 'slurm-calls.log');
fs.mkdirSync(workspace);
fs.mkdirSync(bin);
fs.writeFileSync(path.join(workspace, 'train.py'), 'import polyloss_lab\n');
for (const [tool, reply] of [['sbatch', 'echo 4242'], ['scontrol', 'true'], ['scancel', 'true'], ['squeue', 'true']]) {
  fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${calls}'\n${reply}\n`, { mode: 0o755 });
}

/** What the quick inputs answer, in order: a label pattern for picks, a text for input boxes. */
let answers: (RegExp | string)[] = [];
const shown: string[] = [];
const messages: string[] = [];
const settingValues: Record<string, unknown> = { pythonPath: '/usr/bin/python3', 'slurm.partition': 'debug' };

type Listener<T> = (value: T) => void;
class FakeEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): { dispose(): void } => {
    this.listeners.push(listener);
    return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== listener); } };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }

  dispose(): void {
    this.listeners = [];
  }
}

interface Item { label: string }

/** A quick pick or input box that takes the next answer as soon as it is shown. */
function widget(kind: 'pick' | 'input'): Record<string, unknown> {
  const accept = new FakeEmitter<void>();
  const hide = new FakeEmitter<void>();
  const w: Record<string, unknown> & { items: Item[]; selectedItems: Item[]; activeItems: Item[]; value: string } = {
    items: [], selectedItems: [], activeItems: [], value: '',
    onDidAccept: accept.event, onDidHide: hide.event, onDidTriggerButton: new FakeEmitter().event, onDidChangeValue: new FakeEmitter().event,
    dispose: () => undefined,
    show: () => setImmediate(() => {
      const answer = answers.shift();
      shown.push(`${String(w.title)}${kind === 'pick' ? `: ${w.items.map((i) => i.label).join(' | ')}` : ''}`);
      if (answer === undefined) return hide.fire();
      if (kind === 'pick') w.selectedItems = w.items.filter((i) => (answer as RegExp).test(i.label)).slice(0, 1);
      else w.value = answer as string;
      accept.fire();
    }),
  };
  return w;
}

const registered = new Map<string, (...args: unknown[]) => unknown>();
const fakeVscode = {
  workspace: {
    isTrusted: true,
    workspaceFolders: [{ uri: { scheme: 'file', fsPath: workspace } }],
    getConfiguration: () => ({ get: (key: string) => settingValues[key] }),
  },
  window: {
    createQuickPick: () => widget('pick'),
    createInputBox: () => widget('input'),
    showQuickPick: async (items: (Item & Record<string, unknown>)[], options: { title?: string; ignoreFocusOut?: boolean }) => {
      shown.push(`${options.title}${options.ignoreFocusOut ? ' (stays open when focus moves)' : ''}: ${items.map((i) => `${i.label} (${String(i.description)})`).join(' | ')}`);
      const answer = answers.shift() as RegExp | undefined;
      return answer && items.find((i) => answer.test(i.label));
    },
    showInformationMessage: (m: string) => { messages.push(m); return Promise.resolve(undefined); },
    showWarningMessage: (m: string) => { messages.push(m); return Promise.resolve(undefined); },
    showErrorMessage: (m: string) => { messages.push(m); return Promise.resolve(undefined); },
    withProgress: (_options: unknown, task: () => unknown) => task(),
    showTextDocument: () => Promise.resolve(undefined),
  },
  commands: {
    registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
      registered.set(id, handler);
      return { dispose: () => registered.delete(id) };
    },
    executeCommand: () => Promise.resolve(undefined),
  },
  extensions: { getExtension: () => undefined },
  EventEmitter: FakeEmitter,
  QuickInputButtons: { Back: { id: 'back' } },
  InputBoxValidationSeverity: { Info: 1, Warning: 2, Error: 3 },
  ProgressLocation: { Notification: 15, Window: 10 },
  Uri: { file: (fsPath: string) => ({ scheme: 'file', fsPath }) },
};

const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const originalLoad = loader._load;
const originalPath = process.env.PATH;
let runSweep: (...args: unknown[]) => Promise<string[]>;
let runsDir: string;
let scriptRun: RunRecord;

const SCRIPT: CommandRunConfig = {
  command: { argv: ['python3', 'train.py', '--epochs', '2'] }, loss: { type: 'poly', epsilon: 1 }, seed: 1, name: 'my script',
};

before(async () => {
  loader._load = function load(request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakeVscode : originalLoad.call(this, request, ...rest);
  };
  process.env.PATH = `${bin}${path.delimiter}${originalPath}`;
  const { registerSweepCommands } = await import('../../src/host/sweepCommands');
  const { RunLauncher } = await import('../../src/host/runLauncher');
  const { RunsIndex } = await import('../../src/host/runsModel');
  const { createRun, readRunDir } = await import('../../src/store/runStore');
  const { COMMANDS } = await import('../../src/host/commandIds');
  runsDir = path.join(workspace, '.polyloss', 'runs');
  const created = createRun(runsDir, SCRIPT);
  scriptRun = readRunDir(created.runDir);
  const model = new RunsIndex(runsDir);
  const quiet = (): void => undefined;
  const log = { info: quiet, warn: quiet, error: quiet, trace: quiet, show: quiet };
  const launcher = new RunLauncher({
    model, log: log as never, maxConcurrent: () => 1, onDisplayChange: quiet,
    live: { apply: () => false, markQueued: quiet, forget: quiet, get: () => undefined, progressText: () => '' } as never,
    workerPath: path.resolve(__dirname, '../../dist/worker.js'), cliPath: path.resolve(__dirname, '../../dist/cli.js'),
  });
  const memento = new Map<string, unknown>();
  registerSweepCommands({
    context: { workspaceState: { get: (k: string) => memento.get(k), update: async (k: string, v: unknown) => { memento.set(k, v); } } } as never,
    model: model as never, selection: { get: () => [] } as never, launcher, log: log as never,
    workerPath: path.resolve(__dirname, '../../dist/worker.js'), slurm: { poke: quiet } as never,
  });
  runSweep = registered.get(COMMANDS.runSweep) as typeof runSweep;
});

after(() => {
  loader._load = originalLoad;
  process.env.PATH = originalPath;
  fs.rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  fs.rmSync(calls, { force: true });
  shown.length = 0;
  messages.length = 0;
});

/** The wizard's answers on a script run: the clicked run as base, ε 0 and 2, seed 1, no baseline, start, then where. */
const wizardThen = (where: RegExp): (RegExp | string)[] => [/my script/, '0, 2', '', '', '1', /^No /, /Start the sweep/, where];

const readRecord = (id: string): RunRecord => JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as RunRecord;

describe('Run Sweep… on a script run, Slurm cluster', () => {
  it('offers the Slurm cluster and submits the script runs as one job array with the chosen Python', async () => {
    answers = wizardThen(/Slurm cluster/);
    const ids = await runSweep(scriptRun.id);
    assert.equal(ids.length, 2, messages.join('\n'));
    assert.match(shown.find((s) => s.startsWith('Run Sweep: where to train')) ?? '',
      /^Run Sweep: where to train \(stays open when focus moves\): .*This machine .*\| \$\(server-environment\) Slurm cluster \(one job array of 2 tasks: partition debug\)/);
    const records = ids.map(readRecord);
    assert.deepEqual(records.map((r) => [r.status, r.config.command?.argv, (r.config.loss as { epsilon?: number }).epsilon, r.slurm?.jobId, r.slurm?.taskId]), [
      ['queued', SCRIPT.command.argv, 0, '4242', 0], ['queued', SCRIPT.command.argv, 2, '4242', 1],
    ]);
    const script = fs.readFileSync(records[0].slurm!.script, 'utf8');
    // The tasks start in the workspace folder (where the command's folder is relative to) with the interpreter of polyloss.pythonPath.
    assert.ok(script.split('\n').includes(`cd ${workspace}`), script);
    assert.ok(script.split('\n').includes('export POLYLOSS_PYTHON=/usr/bin/python3'), script);
    assert.match(script, /^#SBATCH --partition=debug$/m);
    assert.deepEqual(fs.readFileSync(calls, 'utf8').trim().split('\n'), [`sbatch --parsable --hold ${records[0].slurm!.script}`, 'scontrol release 4242']);
    assert.match(messages.at(-1) ?? '', /submitted to Slurm as job 4242 \(2 tasks\)/);
  });

  it('a script that is missing is refused before anything is submitted or created', async () => {
    const before = fs.readdirSync(runsDir);
    fs.renameSync(path.join(workspace, 'train.py'), path.join(workspace, 'gone.py'));
    try {
      answers = wizardThen(/Slurm cluster/);
      const ids = await runSweep(scriptRun.id);
      assert.deepEqual(ids, []);
      assert.match(messages.join('\n'), /no run was started: script not found: train\.py/);
      assert.equal(fs.existsSync(calls), false, 'sbatch was not called');
      assert.deepEqual(fs.readdirSync(runsDir).filter((f) => !f.startsWith('.')), before.filter((f) => !f.startsWith('.')));
    } finally {
      fs.renameSync(path.join(workspace, 'gone.py'), path.join(workspace, 'train.py'));
    }
  });
});
