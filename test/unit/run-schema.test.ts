// run.json as its writers write it, held against media/schemas/run.schema.json itself (with the
// project's own schema checker, which knows every keyword the file uses), and against the check
// the views read records with: the built-in engine's worker, the launcher of a command with the
// polyloss_lab client attached, the client alone (completed and failed), and a Slurm submission.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkSchema, type Schema, type SchemaDocuments } from '../../src/core/jsonSchema';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../../src/core/runConfig';
import type { RunRecord } from '../../src/core/runFormat';
import { runRecordProblems } from '../../src/core/runRecordCheck';
import { SCHEMA_DOCUMENTS } from '../../src/core/validate';
import { startCommandRun } from '../../src/runner/startCommandRun';
import { startRun } from '../../src/runner/startRun';
import { submitSlurmArray } from '../../src/runner/slurm/submit';
import { createRun, listRuns } from '../../src/store/runStore';

const ROOT = path.resolve(__dirname, '../..');
const PYTHON = '/usr/bin/python3';
const DOCUMENTS: SchemaDocuments = {
  ...SCHEMA_DOCUMENTS,
  'run.schema.json': JSON.parse(fs.readFileSync(path.join(ROOT, 'media', 'schemas', 'run.schema.json'), 'utf8')) as Schema,
};

/** Why run.schema.json refuses the record, one sentence per problem. */
const schemaProblems = (record: unknown): string[] => checkSchema(DOCUMENTS, 'run.schema.json', record, '', 'run.json').map((i) => i.message);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polyloss-run-schema-'));
const written = new Map<string, RunRecord>();

/** The training worker from source (the unit tests run before the bundles are built). */
function sourceWorker(): string {
  const file = path.join(tmp, 'worker.mjs');
  fs.writeFileSync(file, `import ${JSON.stringify(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs'))};\n`
    + `await import(${JSON.stringify(path.join(ROOT, 'src/training/worker.ts'))});\n`);
  return file;
}

const CLIENT_SCRIPT = [
  'import sys, polyloss_lab',
  'run = polyloss_lab.init(name="schema check", loss={"type": "poly", "epsilon": [1, 0.5]}, seed=3, config={"lr": 0.01})',
  'run.set_data(num_classes=3, train=30, validation=6, test=6, class_names=["a", "b", "c"], input_shape=[4])',
  'run.log_step(1, epoch=1, loss=1.2, acc=0.4)',
  'run.log_epoch(1, val_loss=0.9, val_acc=0.5, pt=[0.2, 0.5, 0.9])',
  'if "--fail" in sys.argv:',
  '    raise RuntimeError("the data ran out")',
  'run.finish(test_acc=0.5, test_loss=0.8, per_class_acc=[0.5, 0.25, 0.75], confusion=[[1, 1, 0], [1, 0, 1], [0, 1, 1]])',
].join('\n') + '\n';

before(async () => {
  const script = path.join(tmp, 'train.py');
  fs.writeFileSync(script, CLIENT_SCRIPT);
  const config: BuiltinRunConfig = { ...structuredClone(DEFAULT_CONFIG), epochs: 1, dataset: { name: 'digits', maxSamples: 200 } };

  written.set('queued by the store', createRun(path.join(tmp, 'queued'), config).record);
  written.set('trained by the engine', await startRun({ runsDir: path.join(tmp, 'engine'), config, workerPath: sourceWorker() }).done);
  written.set('launched command with the client attached', await startCommandRun({
    runsDir: path.join(tmp, 'launched'), config: { command: { argv: ['python3', 'train.py'], cwd: tmp }, loss: { type: 'poly', epsilon: 2 }, seed: 5 },
    baseDir: tmp, clientDir: path.join(ROOT, 'python'),
    interpreter: { candidates: [{ value: PYTHON, source: 'test', explicit: true }], settingHint: 'the test' },
  }).done);
  for (const [what, args] of [['client alone, completed', []], ['client alone, failed', ['--fail']]] as const) {
    const runsDir = path.join(tmp, what.replace(/\W+/g, '-'));
    spawnSync(PYTHON, [script, ...args], { cwd: tmp, env: { ...process.env, PYTHONPATH: path.join(ROOT, 'python'), POLYLOSS_RUNS_DIR: runsDir } });
    written.set(what, listRuns(runsDir).runs[0]);
  }

  // sbatch and scontrol stand-ins on PATH: the submission writes the records as on a cluster.
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  for (const [tool, reply] of [['sbatch', 'echo 777'], ['scontrol', 'true']]) fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\n${reply}\n`, { mode: 0o755 });
  const slurmRuns = path.join(tmp, 'slurm');
  await submitSlurmArray({
    runsDir: slurmRuns, configs: [config], folder: path.join(tmp, 'sweep'), jobName: 'schema', options: {}, cwd: tmp,
    cliPath: path.join(ROOT, 'dist', 'cli.js'), env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
  });
  written.set('submitted to Slurm', listRuns(slurmRuns).runs[0]);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('run.json as written, against run.schema.json', () => {
  it('every writer wrote the record it was meant to', () => {
    const facts = [...written].map(([what, r]) => [what, r?.status, r?.trainer?.kind, r?.slurm?.jobId]);
    assert.deepEqual(facts, [
      ['queued by the store', 'queued', undefined, undefined],
      ['trained by the engine', 'completed', 'builtin', undefined],
      ['launched command with the client attached', 'completed', 'command', undefined],
      ['client alone, completed', 'completed', 'command', undefined],
      ['client alone, failed', 'failed', 'command', undefined],
      ['submitted to Slurm', 'queued', undefined, '777'],
    ]);
  });

  it('each passes run.schema.json and the check the views read records with', () => {
    for (const [what, record] of written) {
      assert.deepEqual(schemaProblems(record), [], `${what}: run.schema.json`);
      assert.deepEqual(runRecordProblems(record), [], `${what}: the readers' check`);
    }
  });

  it('the schema holds what the writers must not change: constants, patterns, types', () => {
    const engine = written.get('trained by the engine')!;
    const slurm = written.get('submitted to Slurm')!;
    const problems = (patch: Record<string, unknown>, base: RunRecord = engine): string[] => schemaProblems({ ...structuredClone(base), ...patch });
    assert.deepEqual(problems({ trainer: { kind: 'remote' } }), ['trainer must be {"kind": "builtin"} or {"kind": "command", …} with the command\'s fields (got an object)']);
    assert.deepEqual(problems({ trainer: { kind: 'command', exitCode: 'one' } }), ['trainer must be {"kind": "builtin"} or {"kind": "command", …} with the command\'s fields (got an object)']);
    assert.deepEqual(problems({ id: 'runs/../escape' }), ['id must match ^[A-Za-z0-9][A-Za-z0-9._-]*$ (got "runs/../escape")']);
    assert.deepEqual(problems({ slurm: { ...slurm.slurm, jobId: 'job-1' } }, slurm), ['slurm.jobId must match ^[0-9]+$ (got "job-1")']);
    assert.deepEqual(problems({ summary: { ...engine.summary, testAcc: 'high' } }), ['summary.testAcc must be a number or null (got "high")']);
    assert.deepEqual(problems({ summary: { ...engine.summary, testAcc: null } }), [], 'a metric that was NaN is written as null');
    assert.deepEqual(problems({ schemaVersion: 2 }), ['schemaVersion must be an integer in [1, 1] (got 2)']);
  });
});
