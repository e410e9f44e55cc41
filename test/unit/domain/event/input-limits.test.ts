import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkJsonLimits, DEFAULT_INPUT_LIMITS, truncateText } from '../../../../src/domain/event/input-limits.js';

/** `{"a":{"a":...}}` nested `depth` levels, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('checkJsonLimits', () => {
  it('accepts an ordinary capsule', () => {
    assert.equal(checkJsonLimits({ schema: 'Edit', revision: 1, event: { action: 'save', list: [1, 2, { x: null }] } }), undefined);
  });

  it('refuses nesting deeper than the limit, even 100,000 levels deep, without overflowing its own stack', () => {
    assert.equal(checkJsonLimits(nested(DEFAULT_INPUT_LIMITS.maxDepth - 1)), undefined);
    assert.equal(checkJsonLimits(nested(DEFAULT_INPUT_LIMITS.maxDepth + 1))?.reason, 'too_deep');
    assert.equal(checkJsonLimits(nested(100_000))?.reason, 'too_deep');
    assert.equal(checkJsonLimits(JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`))?.reason, 'too_deep');
  });

  it('refuses an object with more keys than the limit (the 37,657 unknown properties of the report)', () => {
    const wide = Object.fromEntries(Array.from({ length: 37_657 }, (_, i) => [`k${i}`, i]));
    assert.equal(checkJsonLimits({ event: wide })?.reason, 'too_many_keys');
  });

  it('refuses more values than the limit, in arrays too', () => {
    assert.equal(checkJsonLimits({ event: { list: new Array(DEFAULT_INPUT_LIMITS.maxValues).fill(0) } })?.reason, 'too_many_values');
  });

  it('refuses a number JSON cannot write back (1e999 parses as Infinity) and a __proto__ key', () => {
    assert.equal(checkJsonLimits(JSON.parse('{"event":{"n":1e999}}'))?.reason, 'not_finite');
    assert.equal(checkJsonLimits(JSON.parse('{"event":{"free":{"__proto__":{"isAdmin":true}}}}'))?.reason, 'forbidden_key');
  });
});

describe('truncateText', () => {
  it('truncateText never splits a surrogate pair', () => {
    assert.equal(truncateText('ab😀', 3), 'ab');
    assert.equal(truncateText('ab😀', 4), 'ab😀');
    assert.equal(truncateText('abc', 10), 'abc');
  });
});
