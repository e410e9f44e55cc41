import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { bursts } from '../../../src/streams/bursts.js';

const flush = () => new Promise((r) => setImmediate(r));

test('bursts: cut at the maximum, the rest at the end of the burst or at completion', async () => {
  const input = new Subject<number>();
  const out: number[][] = [];
  let done = false;
  input.pipe(bursts(3)).subscribe({ next: (b) => out.push(b), complete: () => { done = true; } });
  for (let i = 0; i < 7; i += 1) input.next(i);
  assert.deepEqual(out, [[0, 1, 2], [3, 4, 5]]);
  await flush();
  assert.deepEqual(out, [[0, 1, 2], [3, 4, 5], [6]]);
  input.next(7);
  input.complete();
  assert.deepEqual(out.at(-1), [7]);
  assert.equal(done, true);
});
