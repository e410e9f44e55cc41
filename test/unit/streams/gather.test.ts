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

test('a tombstone or a record holding a line break is refused: counted and covered, never a line', () => {
  const { input, out } = run({ maxLines: 2 });
  input.next(record(0, null));
  input.next(record(1, '{"a":\n1}'));
  input.next(record(2, '{"ok":1}'));
  input.next(record(3, '{"ok":2}'));
  assert.equal(out.length, 1);
  assert.deepEqual([out[0]!.firstOffset, out[0]!.lastOffset, out[0]!.records, out[0]!.lines, out[0]!.refused], [0, 3, 4, 2, 2]);
  assert.equal(text(out[0]!), '{"ok":1}\n{"ok":2}\n');
});

test('a batch goes out before a line would take it past its bytes; a longer line is a batch of its own', () => {
  const { input, out } = run({ maxLines: 100, maxBytes: 10 });
  input.next(record(0, 'aaaa'));
  input.next(record(1, 'bbbb'));
  input.next(record(2, 'cc'));
  input.next(record(3, 'x'.repeat(25)));
  input.next(record(4, 'd'));
  assert.deepEqual(out.map(text), ['aaaa\nbbbb\n', 'cc\n', `${'x'.repeat(25)}\n`]);
});

test('lines longer than a chunk keep their bytes and order', () => {
  const { input, out, isCompleted } = run({ maxLines: 10, maxBytes: 64 * 2 ** 20 });
  const long = 'y'.repeat(3 * 2 ** 20);
  input.next(record(0, 'first'));
  input.next(record(1, long));
  input.next(record(2, 'last'));
  input.complete();
  assert.ok(isCompleted());
  assert.equal(out.length, 1);
  assert.equal(text(out[0]!), `first\n${long}\nlast\n`);
  assert.equal(out[0]!.bytes, long.length + 12);
});

test('a batch goes out its time after its first record; no record, no batch', () => {
  const { scheduler, input, out } = run({ maxLines: 100, maxMs: 1000 });
  scheduler.schedule(() => input.next(record(0, 'a')), 500);
  scheduler.schedule(() => input.next(record(1, 'b')), 1400);
  scheduler.schedule(() => input.next(record(2, 'c')), 1600);
  scheduler.schedule(() => { if (out.length !== 1) throw new Error(`at 1550: ${out.length} batches`); }, 1550);
  scheduler.flush();
  // Out at 1500 (a, b), then at 2600 (c); nothing more however long the partition stays quiet.
  assert.deepEqual(out.map(text), ['a\nb\n', 'c\n']);
});

test('what is left goes out when the records end', () => {
  const { input, out, isCompleted } = run({ maxLines: 100 });
  input.next(record(7, 'a'));
  input.next(record(8, null));
  input.complete();
  assert.deepEqual(out.map((b) => [b.firstOffset, b.lastOffset, b.records, b.lines]), [[7, 8, 2, 1]]);
  assert.ok(isCompleted());
});
