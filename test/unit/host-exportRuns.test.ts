import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type BuiltinRunConfig } from '../../src/core/runConfig';
import { RUN_SCHEMA_VERSION, type RunRecord } from '../../src/core/runFormat';
import { csvCell, runsToCsv, runsToJson } from '../../src/host/exportRuns';

const record = (id: string, name: string, config: Partial<BuiltinRunConfig>, testAcc: number): RunRecord => ({
  schemaVersion: RUN_SCHEMA_VERSION, id, name, config: { ...DEFAULT_CONFIG, ...config }, status: 'completed', createdAt: '2026-01-01T00:00:00Z',
  summary: { steps: 10, epochs: 2, testAcc },
});

describe('export', () => {
  it('quotes CSV cells and defuses spreadsheet formulas in names', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
    assert.equal(csvCell(-1), '-1');
    assert.equal(csvCell(NaN), '');
    assert.equal(csvCell(undefined), '');
  });

  it('writes one CSV row per run with the settings that differ and the results', () => {
    const csv = runsToCsv([
      record('r1', 'ce run', { loss: { type: 'ce' } }, 0.9),
      record('r2', 'poly, run', { loss: { type: 'poly', epsilon: 2 } }, 0.925),
    ]);
    const [header, row1, row2, end] = csv.split('\n');
    assert.match(header, /^id,name,status,legend,.*test_acc/);
    const testCol = header.split(',').indexOf('test_acc');
    assert.equal(row1.split(',')[testCol], '0.9');
    assert.ok(row2.startsWith('r2,"poly, run",completed,'));
    assert.equal(end, '');
    assert.ok(!header.includes('epochs,epochs'), 'no duplicate columns');
  });

  it('writes records with their metric lines as JSON', () => {
    const runs = [record('r1', 'a', {}, 0.5)];
    const parsed = JSON.parse(runsToJson(runs, () => [{ kind: 'step', step: 1, epoch: 1, t: 0, loss: NaN, base: 1, poly: 0, acc: 0 }]));
    assert.equal(parsed[0].record.id, 'r1');
    assert.equal(parsed[0].metrics[0].loss, null);
  });
});
