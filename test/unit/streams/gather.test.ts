import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import type { KafkaRecord } from '../../../src/adapters/kafka/kafka-record.js';
import { gather, type LineBatch } from '../../../src/streams/gather.js';

const record = (offset: number, value: string | Buffer | null): KafkaRecord => ({
  topic: 't', partition: 0, offset, timestamp: 0, value: typeof value === 'string' ? Buffer.from(value) : value,
});

function run(options: { maxLines?: number; maxBytes?: number; maxMs?: number }) {
  const scheduler = new VirtualTimeScheduler();
  const input = new Subject<KafkaRecord>();
  const out: LineBatch[] = [];
  let completed = false;
  input.pipe(gather({ maxLines: 3, maxBytes: 1000, maxMs: 1000, ...options, scheduler })).subscribe({ next: (b) => out.push(b), complete: () => { completed = true; } });
  return { scheduler, input, out, isCompleted: () => completed };
}

const text = (b: LineBatch) => Buffer.concat(b.chunks).toString();

test('a batch goes out at its line count, holding the lines each ended by a line break', () => {
  const { input, out } = run({ maxLines: 2 });
  for (let i = 0; i < 5; i += 1) input.next(record(10 + i, `{"n":${i}}`));
  assert.deepEqual(out.map((b) => [b.firstOffset, b.lastOffset, b.records, b.lines, b.refused, b.bytes]), [[10, 11, 2, 2, 0, 16], [12, 13, 2, 2, 0, 16]]);
  assert.equal(text(out[0]!), '{"n":0}\n{"n":1}\n');
  assert.equal(text(out[1]!), '{"n":2}\n{"n":3}\n');
});

test('a tombstone, a record holding a line break or one not starting a JSON object is refused: kept for its EventError, never a line', () => {
  const { input, out } = run({ maxLines: 6 });
  input.next(record(0, null));
  input.next(record(1, '{"a":\n1}'));
  input.next(record(2, '{"ok":1}'));
  input.next(record(3, ' {"ok":0}'));
  input.next(record(4, ''));
  input.next(record(5, '{"ok":2}'));
  assert.equal(out.length, 1, 'refused records count towards the batch');
  const b = out[0]!;
  assert.deepEqual([b.firstOffset, b.lastOffset, b.records, b.lines, b.refused], [0, 5, 6, 2, 4]);
  assert.equal(text(b), '{"ok":1}\n{"ok":2}\n');
  assert.deepEqual(b.offsets, [2, 5], 'each line\'s offset');
  assert.deepEqual(b.refusals, [
    { offset: 0, reason: 'tombstone', raw: '' },
    { offset: 1, reason: 'line-break', raw: '{"a":\n1}' },
    { offset: 3, reason: 'not-an-object', raw: ' {"ok":0}' },
    { offset: 4, reason: 'not-an-object', raw: '' },
  ]);
});

test('a refused record keeps only its start, and what it keeps counts towards the batch\'s bytes', () => {
  const { input, out } = run({ maxLines: 100, maxBytes: 200_000 });
  input.next(record(0, `x${'y'.repeat(200_000)}`));
  input.next(record(1, `x${'z'.repeat(200_000)}`));
  assert.equal(out.length, 1, 'the second would take the batch past its bytes');
  assert.equal(out[0]!.refusals[0]!.raw.length, 131_072);
  assert.equal(out[0]!.bytes, 131_072);
});

test('a batch goes out before a line would take it past its bytes; a longer line is a batch of its own', () => {
  const { input, out } = run({ maxLines: 100, maxBytes: 10 });
  input.next(record(0, '{aaa'));
  input.next(record(1, '{bbb'));
  input.next(record(2, '{c'));
  input.next(record(3, `{${'x'.repeat(24)}`));
  input.next(record(4, '{'));
  assert.deepEqual(out.map(text), ['{aaa\n{bbb\n', '{c\n', `{${'x'.repeat(24)}\n`]);
});

test('lines longer than a chunk keep their bytes and order', () => {
  const { input, out, isCompleted } = run({ maxLines: 10, maxBytes: 64 * 2 ** 20 });
  const long = `{${'y'.repeat(3 * 2 ** 20)}`;
  input.next(record(0, '{first'));
  input.next(record(1, long));
  input.next(record(2, '{last'));
  input.complete();
  assert.ok(isCompleted());
  assert.equal(out.length, 1);
  assert.equal(text(out[0]!), `{first\n${long}\n{last\n`);
  assert.equal(out[0]!.bytes, long.length + 14);
});

test('a batch goes out its time after its first record; no record, no batch', () => {
  const { scheduler, input, out } = run({ maxLines: 100, maxMs: 1000 });
  scheduler.schedule(() => input.next(record(0, '{a')), 500);
  scheduler.schedule(() => input.next(record(1, '{b')), 1400);
  scheduler.schedule(() => input.next(record(2, '{c')), 1600);
  scheduler.schedule(() => { if (out.length !== 1) throw new Error(`at 1550: ${out.length} batches`); }, 1550);
  scheduler.flush();
  // Out at 1500 (a, b), then at 2600 (c); nothing more however long the partition stays quiet.
  assert.deepEqual(out.map(text), ['{a\n{b\n', '{c\n']);
});

test('what is left goes out when the records end', () => {
  const { input, out, isCompleted } = run({ maxLines: 100 });
  input.next(record(7, '{a'));
  input.next(record(8, null));
  input.complete();
  assert.deepEqual(out.map((b) => [b.firstOffset, b.lastOffset, b.records, b.lines]), [[7, 8, 2, 1]]);
  assert.ok(isCompleted());
});
