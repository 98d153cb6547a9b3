import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTraining, formatArgv, scriptNameOf, splitCommandLine } from '../../src/core/commandRun';
import { withDefaults } from '../../src/core/config';
import { isMetricLine } from '../../src/core/runFormat';
import { resolveRunConfig, validateRunConfig } from '../../src/core/validate';
import { parseMetricLines } from '../../src/store/runFiles';
import { defaultRunName, parseRunRecord } from '../../src/store/runStore';

test('a command line splits into words as a shell would, without variables or globbing', () => {
  assert.deepEqual(splitCommandLine('python3 train.py  --name "my run" --tag \'a b\' x\\ y'),
    { ok: true, argv: ['python3', 'train.py', '--name', 'my run', '--tag', 'a b', 'x y'] });
  assert.deepEqual(splitCommandLine('echo ""'), { ok: true, argv: ['echo', ''] });
  assert.deepEqual(splitCommandLine('  '), { ok: false, message: 'the command is empty' });
  assert.deepEqual(splitCommandLine('python3 "train.py'), { ok: false, message: 'the command has an unclosed " quote' });
  assert.equal(formatArgv(['python3', 'train.py', '--name', 'my run', "it's"]), `python3 train.py --name 'my run' 'it'\\''s'`);
});

test('a script run is named by its script: the file, the -m module, or the program', () => {
  assert.equal(scriptNameOf({ argv: ['python3', 'src/train.py', '--epochs', '5'] }), 'train.py');
  assert.equal(scriptNameOf({ argv: ['/usr/bin/python3', '-u', 'train.py'] }), 'train.py');
  assert.equal(scriptNameOf({ argv: ['python', '-m', 'pkg.train'] }), 'pkg.train');
  assert.equal(scriptNameOf({ argv: ['./run.sh', 'fast'] }), 'run.sh');
  const config = withDefaults({ command: { argv: ['python3', 'train.py'] }, loss: { type: 'poly', epsilon: 2 }, seed: 3 });
  assert.equal(defaultRunName(config), 'train.py · Poly-1 ε=2, seed 3');
  assert.equal(describeTraining(config), 'train.py (your script)');
  assert.equal(describeTraining(withDefaults({})), 'digits · mlp · 10 epochs');
});

test('a command config takes only the loss and seed defaults, and refuses built-in settings by name', () => {
  const resolved = resolveRunConfig({ command: { argv: ['python3', 'train.py'], params: { lr: 0.1 } } });
  assert.ok(resolved.ok);
  assert.deepEqual(resolved.value, { loss: { type: 'poly', epsilon: 1 }, seed: 1, command: { argv: ['python3', 'train.py'], params: { lr: 0.1 } } });
  const mixed = validateRunConfig({ command: { argv: ['python3'] }, loss: { type: 'ce' }, seed: 1, epochs: 3 });
  assert.deepEqual(mixed.ok ? [] : mixed.errors.map((e) => e.message), ['epochs is not used by a run of your own command (the script sets it; pass values in command.params)']);
  const empty = validateRunConfig({ command: { argv: [] }, loss: { type: 'ce' }, seed: 1 });
  assert.match(empty.ok ? '' : empty.errors[0].message, /^command\.argv must be a list of at least 1 non-empty strings/);
  const builtinWithoutData = validateRunConfig({ loss: { type: 'ce' }, seed: 1 });
  assert.deepEqual(builtinWithoutData.ok ? [] : builtinWithoutData.errors.map((e) => e.path), ['dataset', 'model', 'optimizer', 'batchSize', 'epochs', 'backend']);
  assert.match(builtinWithoutData.ok ? '' : builtinWithoutData.errors[0].message, /dataset is required \(or give "command" to train with your own script\)/);
});

test('run.json of a command run reads; one with neither dataset nor command is broken, with the reason', () => {
  const record = { schemaVersion: 1, status: 'running', createdAt: '2026-01-01T00:00:00Z', config: { command: { argv: ['python3', 'x.py'] }, loss: { type: 'ce' }, seed: 2 } };
  const read = parseRunRecord(JSON.stringify(record), 'r1');
  assert.ok(read.ok);
  assert.equal(read.record.name, 'x.py · CE, seed 2');
  const neither = parseRunRecord(JSON.stringify({ ...record, config: { loss: { type: 'ce' }, seed: 2 } }), 'r2');
  assert.deepEqual(neither, { ok: false, reason: 'run.json has no valid config (needs config.dataset, or config.command with its argv)' });
});

test('metric lines: extra numeric keys are kept, a line that is not one of the format is skipped and counted', () => {
  const text = [
    '{"kind":"step","step":1,"t":3,"loss":0.5,"lr":0.01}',
    '{"kind":"step","step":2,"t":4,"loss":null}',
    '{"kind":"epoch","epoch":1,"t":9,"valAcc":0.5,"pt":{"mean":0.4,"q25":0.1,"q50":0.5,"q75":0.7},"top5Acc":0.9}',
    'loss went down',
    '{"kind":"step","step":"3","t":5}',
    '{"kind":"step","step":3.5,"t":5}',
    '{"kind":"step","step":4}',
    '{"kind":"step","step":4,"t":5,"note":"hi"}',
    '{"kind":"epoch","epoch":2,"t":5,"pt":{"mean":1}}',
    '{"kind":"batch","step":4,"t":5}',
    '{"kind":"step","step":5,"t":6,"acc":0.5',
  ].join('\n');
  const { lines, skipped } = parseMetricLines(text);
  assert.deepEqual(lines.map((l) => [l.kind, l.step ?? l.epoch]), [['step', 1], ['step', 2], ['epoch', 1]]);
  assert.equal(lines[0].lr, 0.01);
  assert.equal(lines[2].top5Acc, 0.9);
  assert.equal(skipped, 8);
  assert.equal(isMetricLine({ kind: 'epoch', epoch: 0, t: 0 }), true, 'everything but kind, the counter and t is optional');
});
