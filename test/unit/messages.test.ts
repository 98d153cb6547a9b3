import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coefficientHostMessages, coefficientWebviewMessages } from '../../src/core/coefficientProtocol';
import { arrayOf, guardOf, matches, nullable, num, object, oneOf, optional, str, type Field, type MessageTable } from '../../src/core/messages';
import { preflightCommands, preflightReplies, workerCommands, workerEvents } from '../../src/core/protocol';
import { DEFAULT_CONFIG } from '../../src/core/runConfig';
import { hostMessages, packMetrics, webviewMessages } from '../../src/core/viewProtocol';
import { epochLine, makeRun, stepLine } from '../webview/fixtures';

// Every message of every protocol (webviews and training worker), generated from its declaration: a valid one of each kind is
// accepted; each field of the wrong type, each required field missing (also inside nested objects
// and arrays) and an unknown type are refused.

const PROTOCOLS: Record<string, MessageTable> = {
  coefficientHostMessages, coefficientWebviewMessages, hostMessages, webviewMessages,
  workerCommands, workerEvents, preflightCommands, preflightReplies,
};

/** Valid values of the fields with a check of their own, by the name their declaration gives them. */
const CUSTOM_EXAMPLES: Record<string, () => unknown> = {
  'a loss spec': () => ({ type: 'poly', epsilon: [1, 0.5] }),
  'a run record': () => makeRun('r1'),
  'a metrics chunk': () => packMetrics('r1', [stepLine(1), stepLine(2)]),
  'a saved tune': () => ({ options: { budget: 12 }, rounds: [] }),
  'a coefficient editor message to the page': () => messageExample(coefficientHostMessages, 'load'),
  'a coefficient editor message to the host': () => messageExample(coefficientWebviewMessages, 'save'),
  'a file name without folders': () => 'polyloss-loss.png',
  'text of at most 64 MiB': () => 'a,b\n1,2\n',
  'a PNG data URL of at most 64 MiB': () => 'data:image/png;base64,AAAA',
  'a request id': () => 'run-1',
  'a run config': () => structuredClone(DEFAULT_CONFIG),
  'a run environment': () => ({ node: 'v20', platform: 'linux', backend: 'wasm' }),
  'a step line': () => stepLine(1),
  'an epoch line': () => epochLine(1),
  'a run summary': () => ({ steps: 100, epochs: 1, finalLoss: 0.4 }),
};

/** A valid value of `field`, with every optional field present and one item in every array. */
function example(field: Field): unknown {
  switch (field.kind) {
    case 'string': return 'text';
    case 'number': return 1.5;
    case 'boolean': return true;
    case 'literal': return field.values[0];
    case 'array': return [example(field.item)];
    case 'object': return Object.fromEntries(Object.entries(field.fields).map(([name, f]) => [name, example(f)]));
    case 'optional':
    case 'nullable': return example(field.inner);
    case 'custom':
      if (!(field.name in CUSTOM_EXAMPLES)) throw new Error(`no example of "${field.name}" in CUSTOM_EXAMPLES`);
      return CUSTOM_EXAMPLES[field.name]();
  }
}

function messageExample(table: MessageTable, type: string): Record<string, unknown> {
  return { type, ...(example(object(table[type])) as object) };
}

/** A value of another JavaScript type than `value`. */
function wrongType(value: unknown): unknown {
  return typeof value === 'string' ? 42 : 'wrong';
}

/** Broken variants of `value` (a valid value of `field`): the whole of it, or one field or item inside it, made invalid. */
function* broken(field: Field, value: unknown, path: string): Generator<{ path: string; value: unknown }> {
  yield { path: `${path} of the wrong type`, value: wrongType(value) };
  if (field.kind === 'optional' || field.kind === 'nullable') {
    yield* [...broken(field.inner, value, path)].slice(1);
  } else if (field.kind === 'array') {
    for (const b of broken(field.item, (value as unknown[])[0], `${path}[0]`)) yield { path: b.path, value: [b.value] };
  } else if (field.kind === 'object') {
    const record = value as Record<string, unknown>;
    for (const [name, f] of Object.entries(field.fields)) {
      if (f.kind !== 'optional') {
        const { [name]: _, ...rest } = record;
        yield { path: `${path}.${name} missing`, value: rest };
      }
      for (const b of broken(f, record[name], `${path}.${name}`)) yield { path: b.path, value: { ...record, [name]: b.value } };
    }
  }
}

for (const [protocol, table] of Object.entries(PROTOCOLS)) {
  const isMessage = guardOf(table);

  test(`${protocol}: a valid message of each kind is accepted, with or without its optional fields`, () => {
    assert.ok(Object.keys(table).length > 0);
    for (const [type, fields] of Object.entries(table)) {
      const message = messageExample(table, type);
      assert.equal(isMessage(message), true, JSON.stringify(message));
      const required = Object.fromEntries(Object.entries(message).filter(([name]) => fields[name]?.kind !== 'optional'));
      assert.equal(isMessage(required), true, `${type} without its optional fields`);
    }
  });

  test(`${protocol}: a field of the wrong type, a missing required field or an unknown type is refused`, () => {
    for (const [type, fields] of Object.entries(table)) {
      const valid = messageExample(table, type);
      const variants = [...broken(object(fields), valid, type)];
      // Each declared field yields at least its wrong-type variant.
      assert.ok(variants.length > Object.keys(fields).length, `${type}: ${variants.length} variants`);
      for (const v of variants) {
        const message = typeof v.value === 'object' ? { type, ...(v.value as object) } : v.value;
        assert.equal(isMessage(message), false, `${v.path}: ${JSON.stringify(message)}`);
      }
      assert.equal(isMessage({ ...valid, type: `${type}X` }), false, `unknown type ${type}X`);
      const { type: _, ...untyped } = valid;
      assert.equal(isMessage(untyped), false, `${type} without its type`);
    }
  });
}

test('a kind is one of the table\'s own, not a name every object has; undeclared fields are ignored', () => {
  const isMessage = guardOf({ ready: {}, stop: { runId: str } });
  assert.equal(isMessage({ type: 'toString' }), false);
  assert.equal(isMessage({ type: 'constructor' }), false);
  assert.equal(isMessage({ type: 'stop', runId: 'a', extra: 1 }), true);
  assert.equal(isMessage(null), false);
  assert.equal(isMessage([{ type: 'ready' }]), false);
});

test('optional takes undefined, nullable takes null, and neither takes the other', () => {
  assert.equal(matches(optional(num), undefined), true);
  assert.equal(matches(optional(num), null), false);
  assert.equal(matches(nullable(num), null), true);
  assert.equal(matches(nullable(num), undefined), false);
  assert.equal(matches(arrayOf(oneOf('a', 'b')), ['a', 'b', 'a']), true);
  assert.equal(matches(arrayOf(oneOf('a', 'b')), ['a', 'c']), false);
  assert.equal(matches(object({ n: num }), { n: Number.NaN }), true, 'NaN is a number (a diverged loss)');
});
