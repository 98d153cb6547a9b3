import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aboutDuration } from '../../src/core/timeEstimate';

describe('estimated durations in words', () => {
  it('says an estimate in seconds, minutes or hours, no more precisely than it is known', () => {
    assert.equal(aboutDuration(14.2), 'about 14 s');
    assert.equal(aboutDuration(0.4), 'about 1 s');
    assert.equal(aboutDuration(59.4), 'about 59 s');
    assert.equal(aboutDuration(59.6), 'about 1 min');
    assert.equal(aboutDuration(150), 'about 3 min');
    assert.equal(aboutDuration(3725), 'about 1 h 2 min');
    assert.equal(aboutDuration(7200), 'about 2 h');
  });
});
