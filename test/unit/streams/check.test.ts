import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import type { KafkaRecord } from '../../../src/adapters/kafka/kafka-record.js';
import { check } from '../../../src/streams/check.js';
import type { Routed } from '../../../src/streams/produce.js';

const record = (offset: number): KafkaRecord => ({ topic: 'raw', partition: 0, offset, value: Buffer.from(`line ${offset}`), timestamp: 0 });

/** One message per record, its value the record's text: enough to see order and batching. */
function marksFor(records: readonly KafkaRecord[]): Routed[] {
  return records.map((r) => ({ offset: r.offset, messages: [{ output: 0, topic: 'out', value: String(r.value) }] }));
}

/** A runner whose jobs the test settles, in any order. */
function manualRunner() {
  const jobs: Array<{ records: readonly KafkaRecord[]; resolve: (r: Routed[]) => void; reject: (e: Error) => void }> = [];
  return {
    jobs,
    run: (records: readonly KafkaRecord[]) => new Promise<Routed[]>((resolve, reject) => jobs.push({ records, resolve, reject })),
    settle: (i: number) => jobs[i]!.resolve(marksFor(jobs[i]!.records)),
  };
}

const flush = () => new Promise((r) => setImmediate(r));
const values = (routed: readonly Routed[]) => routed.map((r) => `${r.offset}:${r.messages.map((m) => String(m.value)).join()}`);

test('records of one synchronous burst make one job; a later burst makes another; marks come out in offset order', async () => {
  const runner = manualRunner();
  const input = new Subject<KafkaRecord>();
  const out: Routed[] = [];
  let done = false;
  input.pipe(check({ run: runner.run })).subscribe({ next: (r) => out.push(r), complete: () => { done = true; } });
  for (let i = 0; i < 5; i += 1) input.next(record(i));
  await flush();
  for (let i = 5; i < 8; i += 1) input.next(record(i));
  await flush();
  assert.deepEqual(runner.jobs.map((j) => j.records.map((r) => r.offset)), [[0, 1, 2, 3, 4], [5, 6, 7]]);
  // The second job finishes first: nothing comes out until the first has.
  runner.settle(1);
  await flush();
  assert.equal(out.length, 0);
  runner.settle(0);
  await flush();
  assert.deepEqual(values(out), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `${i}:line ${i}`));
  assert.equal(done, false);
  input.complete();
  await flush();
  assert.equal(done, true);
});

test('a burst larger than a job is split; jobs in flight are bounded, the rest wait their turn', async () => {
  const runner = manualRunner();
  const input = new Subject<KafkaRecord>();
  const out: Routed[] = [];
  input.pipe(check({ run: runner.run, maxBatch: 3, batchesInFlight: 2 })).subscribe((r) => out.push(r));
  for (let i = 0; i < 10; i += 1) input.next(record(i));
  await flush();
  assert.deepEqual(runner.jobs.map((j) => j.records.length), [3, 3]);
  runner.settle(0);
  await flush();
  assert.deepEqual(runner.jobs.map((j) => j.records.length), [3, 3, 3]);
  runner.settle(1);
  runner.settle(2);
  await flush();
  runner.settle(3);
  await flush();
  assert.deepEqual(runner.jobs.map((j) => j.records.map((r) => r.offset)), [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  assert.deepEqual(out.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('completion waits for every job; a synchronous runner works the same', async () => {
  const seen: number[] = [];
  const routed = await lastValueFrom(from([0, 1, 2, 3].map(record)).pipe(
    check({ run: (records) => { seen.push(records.length); return marksFor(records); }, maxBatch: 3 }),
    toArray(),
  ));
  assert.deepEqual(routed.map((r) => r.offset), [0, 1, 2, 3]);
  assert.deepEqual(seen, [3, 1]);
});

test('a runner that fails ends the stream with its error (the infrastructure failed, not a record)', async () => {
  const runner = manualRunner();
  const input = new Subject<KafkaRecord>();
  let failure: unknown;
  input.pipe(check({ run: runner.run })).subscribe({ error: (e: unknown) => { failure = e; } });
  input.next(record(0));
  await flush();
  runner.jobs[0]!.reject(new Error('thread gone'));
  await flush();
  assert.equal((failure as Error).message, 'thread gone');
});

test('a runner that throws ends the stream with its error too', async () => {
  const input = new Subject<KafkaRecord>();
  let failure: unknown;
  input.pipe(check({ run: () => { throw new Error('no thread'); } })).subscribe({ error: (e: unknown) => { failure = e; } });
  input.next(record(0));
  await flush();
  assert.equal((failure as Error).message, 'no thread');
});
