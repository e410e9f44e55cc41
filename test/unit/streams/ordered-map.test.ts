import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { orderedMap } from '../../../src/streams/ordered-map.js';

test('mixes synchronous and promised answers, keeping input order', async () => {
  const out = await lastValueFrom(from([1, 2, 3, 4, 5, 6]).pipe(
    orderedMap((n) => (n % 3 === 1 ? new Promise<number>((r) => setTimeout(() => r(n * 10), 20 - n)) : n * 10)),
    toArray(),
  ));
  assert.deepEqual(out, [10, 20, 30, 40, 50, 60]);
});

test('synchronous answers are emitted inline, before next() returns', () => {
  const input = new Subject<number>();
  const seen: number[] = [];
  const s = input.pipe(orderedMap((n) => n + 1)).subscribe((n) => seen.push(n));
  input.next(1);
  assert.deepEqual(seen, [2]);
  s.unsubscribe();
});

test('completion waits for a pending answer; a rejection errors the stream', async () => {
  const input = new Subject<number>();
  const seen: number[] = [];
  let completed = false;
  input.pipe(orderedMap((n) => Promise.resolve(n))).subscribe({ next: (n) => seen.push(n), complete: () => { completed = true; } });
  input.next(7);
  input.complete();
  assert.equal(completed, false);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(seen, [7]);
  assert.equal(completed, true);
  await assert.rejects(lastValueFrom(from([1]).pipe(orderedMap(() => Promise.reject(new Error('boom'))))), /boom/);
});

test('a long burst queued behind one promise drains without growing the stack', async () => {
  const input = new Subject<number>();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const out = lastValueFrom(input.pipe(orderedMap((n: number) => (n === 0 ? gate.then(() => n) : n)), toArray()));
  for (let i = 0; i < 200_000; i += 1) input.next(i);
  input.complete();
  release();
  const values = await out;
  assert.equal(values.length, 200_000);
  assert.equal(values[199_999], 199_999);
});

test('with concurrency, values behind a waiting one start their own lookups, and results stay in order', async () => {
  const started: number[] = [];
  const gates = new Map<number, () => void>();
  const input = new Subject<number>();
  const seen: number[] = [];
  let completed = false;
  input.pipe(orderedMap((n: number) => {
    started.push(n);
    if (n % 2 === 1) return n * 10;
    return new Promise<number>((resolve) => gates.set(n, () => resolve(n * 10)));
  }, { concurrency: 3 })).subscribe({ next: (n) => seen.push(n), complete: () => { completed = true; } });
  for (const n of [0, 1, 2, 3, 4, 5, 6, 7]) input.next(n);
  input.complete();
  // 0, 2 and 4 wait at once (concurrency 3), 1 and 3 are mapped and held; 5 on waits for room.
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.deepEqual(seen, []);
  gates.get(2)!();
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(seen, [], 'nothing passes the first value still waiting');
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6], 'room freed: the next ones start, up to three waiting again');
  gates.get(0)!();
  gates.get(4)!();
  gates.get(6)!();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(seen, [0, 10, 20, 30, 40, 50, 60, 70]);
  assert.equal(completed, true);
});
