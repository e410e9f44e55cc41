import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../../src/supervision/backoff.js';

test('backoff doubles from the first failure and is capped', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1000)), [100, 200, 400, 800, 1000, 1000]);
});

test('a very long run of failures stays at the cap (no overflow to Infinity)', () => {
  assert.equal(backoffDelay(10_000, 100, 30_000), 30_000);
  assert.equal(backoffDelay(0, 100, 30_000), 100);
});
