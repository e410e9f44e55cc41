import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admitBatch, settleProbe, type GapProbe } from '../../../../src/domain/kafka/fetch-continuity.js';

test('a batch that continues at the expected offset is taken', () => {
  assert.deepEqual(admitBatch(200, 200, 7, undefined, 1), { kind: 'take', skipped: 0 });
});

test('a batch past the expected offset is not taken: the partition is sought back there', () => {
  // A stale batch (offsets 2000.. fetched before a pause) handed over once the actor flows again.
  assert.deepEqual(admitBatch(200, 2000, 7, undefined, 1), { kind: 'refetch', probe: { id: 1, from: 200 } });
});

test('a gap is believed only from a batch requested after its seek completed', () => {
  const open: GapProbe = { id: 1, from: 200 };
  // The seek has not completed: seek again.
  assert.deepEqual(admitBatch(200, 2000, 8, open, 2), { kind: 'refetch', probe: { id: 2, from: 200 } });
  const settled = settleProbe(open, 1, 9);
  assert.deepEqual(settled, { id: 1, from: 200, settledAtPoll: 9 });
  // Requested before or while the seek completed: it may still be stale.
  assert.equal(admitBatch(200, 2000, 9, settled, 3).kind, 'refetch');
  // Requested after: the log has no offsets 200..1999 (compaction, transaction markers, retention).
  assert.deepEqual(admitBatch(200, 2000, 10, settled, 3), { kind: 'take', skipped: 1800 });
});

test('a probe for another offset, or settled by an older seek, confirms nothing', () => {
  assert.equal(admitBatch(300, 2000, 10, { id: 1, from: 200, settledAtPoll: 2 }, 2).kind, 'refetch');
  const replaced: GapProbe = { id: 2, from: 200 };
  // The first seek's completion arrives after a second seek replaced it: the open probe stays open.
  assert.equal(settleProbe(replaced, 1, 9), replaced);
  assert.equal(admitBatch(200, 2000, 10, settleProbe(replaced, 1, 9), 3).kind, 'refetch');
});
