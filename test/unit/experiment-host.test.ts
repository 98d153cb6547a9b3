// The editor side of experiment files as the providers get it: which lenses go where with which
// command, which hints and diagnostics, the run entry added by "Save to experiment file" (comments
// kept), and the file "New Experiment File" writes. Offsets are checked against the text they
// point at and, through lineColumnAt, against the lines a reader sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseExperimentFile, type TextRange } from '../../src/core/experimentFile';
import { starterExperimentFile } from '../../src/core/experimentStarter';
import { lineColumnAt } from '../../src/core/experimentTree';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import type { RunRecord, RunStatus } from '../../src/core/runFormat';
import {
  experimentDiagnostics, experimentHints, experimentLenses,
} from '../../src/host/experiments/editorModels';
import { COMMANDS, INTERNAL_COMMANDS } from '../../src/host/commandIds';
import { experimentFileTarget, suggestExperimentName } from '../../src/host/experiments/newFileTarget';
import { addRunEntry, runEntryNames, runNameProblem, suggestRunName } from '../../src/host/experiments/runEntryEdit';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'experiments');
const COMMENTED = path.join(FIXTURES, 'commented.polyloss.json');
const MISTAKES = path.join(FIXTURES, 'mistakes.polyloss.json');
const FORMAT = { insertSpaces: true, tabSize: 2, eol: '\n' };

const slice = (text: string, r: TextRange): string => text.slice(r.offset, r.offset + r.length);
const lineOf = (text: string, offset: number): string => text.split('\n')[lineColumnAt(text, offset).line - 1];

let nextTime = 0;
function record(id: string, entry: string, seed: number, status: RunStatus, testAcc?: number, experiment = 'digits'): RunRecord {
  const t = new Date(Date.UTC(2024, 0, 1, 0, 0, nextTime++)).toISOString();
  return {
    schemaVersion: 1, id, name: `${entry} · seed ${seed}`, status, createdAt: t, endedAt: status === 'completed' ? t : undefined,
    config: { ...DEFAULT_CONFIG, name: `${entry} · seed ${seed}`, seed, experiment },
    ...(testAcc === undefined ? {} : { summary: { testAcc } }),
  } as RunRecord;
}

test('lenses of the starter file: Run all on the top object, Run and Run 3 seeds above each entry', () => {
  const text = starterExperimentFile();
  const lenses = experimentLenses(text, 'digits', [], 'file:///ws/digits.polyloss.json');
  const entryLenses = ['▶ Run', '▶ Run 3 seeds', 'Coefficients'];
  assert.deepEqual(lenses.map((l) => l.title), ['▶ Run all (12 runs)', ...entryLenses, ...entryLenses, ...entryLenses, ...entryLenses]);
  assert.ok(slice(text, lenses[0].range).startsWith('{\n  "dataset"'), 'Run all sits on the top-level object, below the comments');
  assert.deepEqual(lenses[0].args, ['file:///ws/digits.polyloss.json', ['ce', 'poly1-eps-1', 'poly1-eps1', 'poly1-eps2'], 'all']);
  // Each entry's lenses sit on the line of its object.
  assert.match(lineOf(text, lenses[4].range.offset), /"name": "poly1-eps-1"/);
  assert.match(lineOf(text, lenses[10].range.offset), /"name": "poly1-eps2"/);
  assert.deepEqual(lenses[10].args, ['file:///ws/digits.polyloss.json', ['poly1-eps2'], 'first']);
  assert.deepEqual(lenses[11].args, ['file:///ws/digits.polyloss.json', ['poly1-eps2'], 'all']);
  assert.ok(lenses.filter((l) => l.title.startsWith('▶')).every((l) => l.command === INTERNAL_COMMANDS.runExperimentEntries));
  // "Coefficients" hands the entry's loss, as written, to the Coefficients view.
  assert.equal(lenses[12].command, INTERNAL_COMMANDS.editCoefficients);
  assert.deepEqual(lenses[12].args, [{ type: 'poly', epsilon: 2 }, 'from the entry "poly1-eps2"']);
  assert.match(lineOf(text, lenses[12].range.offset), /"name": "poly1-eps2"/);
});

test('an entry with one seed gets only ▶ Run; a file without entries gets no lens', () => {
  const text = fs.readFileSync(COMMENTED, 'utf8');
  const titles = experimentLenses(text, 'commented', [], 'k').map((l) => l.title);
  assert.deepEqual(titles, ['▶ Run all (5 runs)', '▶ Run', '▶ Run 2 seeds', 'Coefficients', '▶ Run', '▶ Run 2 seeds', 'Coefficients', '▶ Run', 'Coefficients']);
  assert.deepEqual(experimentLenses('{ "dataset": {}, "model": {}, "runs": [] }', 'x', [], 'k'), []);
  assert.deepEqual(experimentLenses('{ "runs": [ { "name": ', 'x', [], 'k'), []);
});

test('result lens: the latest completed run of each seed, opening them in the dashboard; training while any is active', () => {
  const text = starterExperimentFile();
  const done = [
    record('old1', 'ce', 1, 'completed', 0.5),
    record('ce1', 'ce', 1, 'completed', 0.9),
    record('ce2', 'ce', 2, 'completed', 0.92),
    record('failed', 'ce', 3, 'failed'),
    record('other', 'ce', 3, 'completed', 0.1, 'another-experiment'),
  ];
  let lenses = experimentLenses(text, 'digits', done, 'k');
  const ce = lenses.filter((l) => l.command === COMMANDS.openDashboard);
  assert.equal(ce.length, 1);
  assert.equal(ce[0].title, 'acc 91.0% ± 1.4 · 2 seeds');
  assert.deepEqual(ce[0].args, [['ce1', 'ce2']]);
  assert.match(lineOf(text, ce[0].range.offset), /"name": "ce"/);

  lenses = experimentLenses(text, 'digits', [...done, record('r', 'poly1-eps2', 1, 'running'), record('q', 'poly1-eps2', 2, 'queued')], 'k');
  const training = lenses.find((l) => l.title.includes('training'));
  assert.equal(training?.title, '$(sync~spin) training 1 of 2');
  assert.deepEqual(training?.args, [['r', 'q']]);
  assert.match(lineOf(text, training!.range.offset), /"name": "poly1-eps2"/);

  // Runs of the file's sweep are not results of an entry, even when named like one.
  const swept = { ...record('s1', 'ce', 3, 'completed', 0.2), config: { ...record('s1', 'ce', 3, 'completed').config, sweepId: 'sweep-20240101-000000-abcdef' } };
  const ceResult = (records: RunRecord[]) => experimentLenses(text, 'digits', records, 'k').find((l) => l.command === COMMANDS.openDashboard);
  assert.deepEqual(ceResult([...done, swept])?.args, [['ce1', 'ce2']]);
});

test('▶ Run sweep sits on the sweep key, says how many runs it starts and hands the file to the sweep command', () => {
  const text = starterExperimentFile().replace(/\n {2}\]\n\}\n$/, '\n  ],\n  "sweep": { "epsilon": [0, 2], "seeds": 2 }\n}\n');
  const lenses = experimentLenses(text, 'digits', [], 'file:///ws/digits.polyloss.json');
  const sweep = lenses.filter((l) => l.command === INTERNAL_COMMANDS.runExperimentSweep);
  assert.equal(sweep.length, 1);
  assert.equal(sweep[0].title, '▶ Run sweep (4 runs)');
  assert.deepEqual(sweep[0].args, ['file:///ws/digits.polyloss.json']);
  assert.match(lineOf(text, sweep[0].range.offset), /^ {2}"sweep": \{/);
  assert.equal(lenses[0].title, '▶ Run all (12 runs)', 'Run all stays the entries\' runs');
  // A sweep still being typed keeps its lens (the command then names the problem); a file with only a sweep gets it too.
  assert.equal(experimentLenses(text.replace('"seeds": 2', '"seeds": 0'), 'digits', [], 'k').find((l) => l.command === INTERNAL_COMMANDS.runExperimentSweep)?.title, '▶ Run sweep');
  const sweepOnly = '{ "dataset": {}, "model": {}, "runs": [], "sweep": { "seeds": 1 } }';
  assert.deepEqual(experimentLenses(sweepOnly, 'x', [], 'k').map((l) => [l.title, l.command]), [['▶ Run sweep (1 run)', INTERNAL_COMMANDS.runExperimentSweep]]);
});

test('inlay hints go right after the ε value, also in a CRLF file with characters outside the BMP', () => {
  const text = '// 🧪 study\r\n{\r\n  "dataset": {}, "model": {},\r\n  "runs": [\r\n    { "name": "p", "loss": { "type": "poly", "epsilon": [2, -0.5] } }\r\n  ]\r\n}\r\n';
  const [hint] = experimentHints(text);
  assert.equal(hint.label, 'α = [3, 0, 0.33]');
  assert.equal(text.slice(hint.offset - '[2, -0.5]'.length, hint.offset), '[2, -0.5]');
  assert.equal(lineColumnAt(text, hint.offset).line, 5);
  assert.match(hint.tooltip, /α_j = 1\/j \+ ε_j/);
});

test('diagnostics: rules and missing files only (the JSON service reports syntax and schema), on the text they concern', () => {
  const text = fs.readFileSync(MISTAKES, 'utf8');
  const parsed = parseExperimentFile(text, MISTAKES, { exists: fs.existsSync });
  assert.ok(parsed.issues.some((i) => i.kind === 'schema'), 'the fixture has a schema mistake too');
  const shown = experimentDiagnostics(parsed).map((d) => [d.code, d.severity, slice(text, d.range)]);
  assert.deepEqual(shown, [
    ['files', 'error', '"data/missing.csv"'],
    ['rules', 'warning', '-2'],
    ['rules', 'warning', '2'],
    ['rules', 'error', '"steep"'],
    ['rules', 'error', '"cnn"'],
  ]);
  const steep = experimentDiagnostics(parsed)[1];
  assert.match(steep.message, /^runs\[0\]\.loss\.epsilon: ε = -2 < −1/);
  assert.deepEqual(experimentDiagnostics(parseExperimentFile('{ "runs": [', 'x.polyloss.json', { exists: () => true })), []);
});

test('Save to experiment file: the entry is appended on its own line; comments and every other character stay', () => {
  const text = fs.readFileSync(COMMENTED, 'utf8');
  const result = addRunEntry(text, { name: 'poly2-new', loss: { type: 'poly', epsilon: [2.5, -0.25], gamma: undefined } }, FORMAT);
  assert.ok(result.ok);
  // The last entry ends with a trailing comma: the new line is the only change.
  const added = '    { "name": "poly2-new", "loss": { "type": "poly", "epsilon": [2.5, -0.25] } }';
  const lines = result.newText.split('\n');
  const at = lines.indexOf(added);
  assert.ok(at > 0, result.newText);
  assert.equal([...lines.slice(0, at), ...lines.slice(at + 1)].join('\n'), text);
  const parsed = parseExperimentFile(result.newText, COMMENTED, { exists: fs.existsSync });
  assert.deepEqual(parsed.issues.filter((i) => i.severity === 'error'), []);
  assert.deepEqual(parsed.runs.map((r) => r.name), ['ce', 'poly1-eps2', 'poly3-noisy', 'poly2-new']);
  assert.deepEqual(parsed.runs[3].loss, { type: 'poly', epsilon: [2.5, -0.25] });
  assert.equal(slice(result.newText, result.entryRange), added.trim());
});

test('Save to experiment file: a comma is added when the last entry has none; a trailing // comment stays on its line', () => {
  const starter = starterExperimentFile();
  const last = '    { "name": "poly1-eps2", "loss": { "type": "poly", "epsilon": 2 } }';
  assert.ok(starter.includes(`${last}\n  ]`));
  const result = addRunEntry(starter, { name: 'x', loss: { type: 'ce' } }, FORMAT);
  assert.ok(result.ok);
  assert.equal(result.newText, starter.replace(`${last}\n`, `${last},\n    { "name": "x", "loss": { "type": "ce" } }\n`));

  const commented = '{ "dataset": {}, "model": {},\n  "runs": [\n\t{ "name": "a", "loss": { "type": "ce" } } // the baseline\n  ]\n}\n';
  const withComment = addRunEntry(commented, { name: 'b', loss: { type: 'poly', epsilon: 1 } }, FORMAT);
  assert.ok(withComment.ok);
  assert.equal(withComment.newText, '{ "dataset": {}, "model": {},\n  "runs": [\n\t{ "name": "a", "loss": { "type": "ce" } }, // the baseline\n\t{ "name": "b", "loss": { "type": "poly", "epsilon": 1 } }\n  ]\n}\n');

  const compact = addRunEntry('{ "runs": [{ "name": "a", "loss": { "type": "ce" } }] }', { name: 'b', loss: { type: 'ce' } }, FORMAT);
  assert.ok(compact.ok);
  assert.deepEqual(runEntryNames(compact.newText), ['a', 'b']);
});

test('Save to experiment file: CRLF files get CRLF, an empty or missing list gets the entry, broken files are refused', () => {
  const crlf = starterExperimentFile().replace(/\n/g, '\r\n');
  const added = addRunEntry(crlf, { name: 'x', loss: { type: 'ce' } }, { ...FORMAT, eol: '\r\n' });
  assert.ok(added.ok);
  assert.equal(added.newText.replace(/\r\n/g, '').includes('\n'), false, 'no bare LF');
  assert.deepEqual(runEntryNames(added.newText), ['ce', 'poly1-eps-1', 'poly1-eps1', 'poly1-eps2', 'x']);

  const noRuns = addRunEntry('{\n  // data only\n  "dataset": { "name": "iris" },\n  "model": { "type": "mlp" }\n}\n', { name: 'ce', loss: { type: 'ce' } }, FORMAT);
  assert.ok(noRuns.ok);
  assert.match(noRuns.newText, /\/\/ data only/);
  assert.deepEqual(runEntryNames(noRuns.newText), ['ce']);
  const empty = addRunEntry('{ "dataset": {}, "model": {}, "runs": [] }', { name: 'ce', loss: { type: 'ce' } }, FORMAT);
  assert.ok(empty.ok);
  assert.deepEqual(runEntryNames(empty.newText), ['ce']);

  const broken = addRunEntry('{ "runs": [ { "name": "a" } ', { name: 'b', loss: { type: 'ce' } }, FORMAT);
  assert.equal(broken.ok, false);
  assert.match(!broken.ok ? broken.message : '', /JSON syntax errors/);
  const notList = addRunEntry('{ "runs": {} }', { name: 'b', loss: { type: 'ce' } }, FORMAT);
  assert.match(!notList.ok ? notList.message : '', /"runs" is not a list/);
});

test('run names: suggested in the starter style and unique; empty and taken names are explained', () => {
  assert.equal(suggestRunName({ type: 'poly', epsilon: 2 }, ['ce']), 'poly1-eps2');
  assert.equal(suggestRunName({ type: 'poly', epsilon: 2 }, ['poly1-eps2', 'poly1-eps2-2']), 'poly1-eps2-3');
  assert.equal(suggestRunName({ type: 'poly', epsilon: [1, 0.5, -0.2] }, []), 'poly3-eps1_0.5_-0.2');
  assert.equal(suggestRunName({ type: 'poly-focal', gamma: 1.5, epsilon: -1 }, []), 'poly1-focal-g1.5-eps-1');
  assert.equal(suggestRunName({ type: 'focal' }, []), 'focal-g2');
  assert.equal(suggestRunName({ type: 'ce', labelSmoothing: 0.1 }, []), 'ce-ls0.1');
  assert.equal(suggestRunName({ type: 'poly', epsilon: 1 / 3 }, []), 'poly1-eps0.3333');
  assert.equal(runNameProblem('', []), 'the run name must not be empty');
  assert.match(runNameProblem('ce', ['ce']) ?? '', /already the name of a run/);
  assert.equal(runNameProblem('ce-2', ['ce']), undefined);
});

test('New Experiment File: names become <folder>/<name>.polyloss.json inside the folder; existing files are flagged', () => {
  const folder = path.join(path.sep, 'ws');
  const existing = new Set([path.join(folder, 'experiment.polyloss.json'), path.join(folder, 'experiment-2.polyloss.json')]);
  const exists = (f: string) => existing.has(f);
  assert.deepEqual(experimentFileTarget('digits', folder, exists), { ok: true, path: path.join(folder, 'digits.polyloss.json'), exists: false });
  assert.deepEqual(experimentFileTarget(' studies/digits.polyloss.json ', folder, exists), { ok: true, path: path.join(folder, 'studies', 'digits.polyloss.json'), exists: false });
  assert.deepEqual(experimentFileTarget('experiment.json', folder, exists), { ok: true, path: path.join(folder, 'experiment.polyloss.json'), exists: true });
  for (const bad of ['', '../outside', '/etc/x', 'a//b', 'what?']) {
    const target = experimentFileTarget(bad, folder, exists);
    assert.equal(target.ok, false, bad);
  }
  assert.match((experimentFileTarget('../outside', folder, exists) as { message: string }).message, /"\.\." is not a usable name/);
  assert.equal(suggestExperimentName(folder, exists), 'experiment-3');
  assert.equal(suggestExperimentName(folder, () => false), 'experiment');
});
