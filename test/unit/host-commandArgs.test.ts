import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { RUN_SCHEMA_VERSION, type RunRecord } from '../../src/core/runFormat';
import { isRunConfigLike, runIdsFromArgs } from '../../src/host/commandArgs';
import type { GroupNode, RunNode } from '../../src/host/treeModel';

const record = (id: string): RunRecord => ({ schemaVersion: RUN_SCHEMA_VERSION, id, name: id, config: DEFAULT_CONFIG, status: 'completed', createdAt: 't' });
const node = (id: string): RunNode => ({ kind: 'run', id, record: record(id) });

describe('command arguments', () => {
  it('accept ids, id lists, tree nodes, records and groups', () => {
    assert.deepEqual(runIdsFromArgs('a'), ['a']);
    assert.deepEqual(runIdsFromArgs(['a', 'b', 'a']), ['a', 'b']);
    assert.deepEqual(runIdsFromArgs(node('a')), ['a']);
    assert.deepEqual(runIdsFromArgs(record('r')), ['r']);
    const group: GroupNode = { kind: 'group', id: 'sweep:s', label: 's', runs: [node('x'), node('y')] };
    assert.deepEqual(runIdsFromArgs(group), ['x', 'y']);
    assert.deepEqual(runIdsFromArgs(undefined), []);
    assert.deepEqual(runIdsFromArgs({ id: 'not-a-run' }), []);
  });

  it('prefer the multi-selection of a context menu when it holds several items', () => {
    assert.deepEqual(runIdsFromArgs(node('a'), [node('a'), node('b')]), ['a', 'b']);
    assert.deepEqual(runIdsFromArgs(node('a'), [node('a')]), ['a']);
  });

  it('tell a RunConfig from a RunRecord', () => {
    assert.equal(isRunConfigLike(DEFAULT_CONFIG), true);
    assert.equal(isRunConfigLike(record('r')), false);
    assert.equal(isRunConfigLike('id'), false);
    assert.equal(isRunConfigLike([DEFAULT_CONFIG]), false);
  });
});
