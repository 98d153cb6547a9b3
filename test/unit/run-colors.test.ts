// Runs shown together get told-apart colours: the first run (in id order) keeps its own, a run whose own
// colour is taken gets the next free one; colours repeat only when the runs outnumber them.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hashString, runColor, runColors, type ChartTheme } from '../../webview/shared/theme';

const theme = { palette: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'] } as ChartTheme;
const ids = Array.from({ length: 60 }, (_, i) => `20261207-0342${String(i).padStart(2, '0')}-poly1-em1-s3${i % 10}-beef`);

describe('run colours', () => {
  it('two runs whose own colours are the same get two colours, whatever order they come in', () => {
    const [a, b] = ids.filter((id) => hashString(id) % 6 === hashString(ids[0]) % 6);
    assert.equal(runColor(theme, a), runColor(theme, b), 'precondition: the hash gives both one colour');
    const colors = runColors(theme, [b, a]);
    assert.equal(colors.get(a), runColor(theme, a), 'the first in id order keeps its own');
    assert.notEqual(colors.get(b), colors.get(a));
    assert.deepEqual(runColors(theme, [a, b]), colors);
  });

  it('gives as many colours as there are, then repeats', () => {
    assert.equal(new Set(runColors(theme, ids.slice(0, 6)).values()).size, 6);
    const eight = runColors(theme, ids.slice(0, 8));
    assert.equal(eight.size, 8);
    assert.equal(new Set(eight.values()).size, 6);
  });
});
