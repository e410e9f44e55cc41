import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isDivisibleBy } from '../../../../src/domain/schema/divisible-by.js';

test('decimal divisors and large integers, where float division is wrong', () => {
  assert.equal(isDivisibleBy(0.3, 0.1), true);
  assert.equal(isDivisibleBy(2.5, 0.5), true);
  assert.equal(isDivisibleBy(1e21, 1), true);
  assert.equal(isDivisibleBy(1.5e-7, 5e-8), true);
  assert.equal(isDivisibleBy(-2.0000000000000004, 2), false);
  assert.equal(isDivisibleBy(2.25, 0.5), false);
  assert.equal(isDivisibleBy(7, 2), false);
  assert.equal(isDivisibleBy(5, 0), false);
  assert.equal(isDivisibleBy(Number.NaN, 1), false);
});

test('on safe integers it is the integer remainder', () => {
  fc.assert(fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 1000 }), (value, divisor) => {
    assert.equal(isDivisibleBy(value, divisor), value % divisor === 0);
    assert.equal(isDivisibleBy(value * divisor, divisor), true);
  }));
});
