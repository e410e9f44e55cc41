import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clampOffset, computeOffsetTargets, eventDt, parseDatetime, parseOffsetList, parseShift, partitionLag, type PartitionOffsets,
} from '../../../../src/domain/kafka/offset-targets.js';
import { isElError } from '../../../../src/domain/errors.js';

const parts: PartitionOffsets[] = [
  { partition: 1, committed: 50, low: 10, high: 100 },
  { partition: 0, committed: -1, low: 5, high: 20 },
  { partition: 2, committed: 100, low: 100, high: 100 },
];

const usage = (fn: () => unknown) => assert.throws(fn, (e) => isElError(e) && e.code === 'EL_USAGE');

test('clampOffset keeps offsets inside the log', () => {
  assert.equal(clampOffset(-3, 0, 10), 0);
  assert.equal(clampOffset(4, 0, 10), 4);
  assert.equal(clampOffset(11, 0, 10), 10);
});

test('lag counts from the committed offset, or from the log start without one', () => {
  assert.equal(partitionLag(parts[0]!), 50);
  assert.equal(partitionLag(parts[1]!), 15);
  assert.equal(partitionLag(parts[2]!), 0);
});

test('earliest and latest go to the log edges, sorted by partition', () => {
  assert.deepEqual(computeOffsetTargets(parts, { kind: 'earliest' }).map((t) => [t.partition, t.current, t.target, t.clamped]),
    [[0, -1, 5, false], [1, 50, 10, false], [2, 100, 100, false]]);
  assert.deepEqual(computeOffsetTargets(parts, { kind: 'latest' }).map((t) => t.target), [20, 100, 100]);
});

test('shift-by moves from the committed offset (log start without one) and clamps to the log', () => {
  const back = computeOffsetTargets(parts, { kind: 'shift', by: -45 });
  assert.deepEqual(back.map((t) => [t.partition, t.target, t.clamped]), [[0, 5, true], [1, 10, true], [2, 100, true]]);
  const bit = computeOffsetTargets(parts, { kind: 'shift', by: -30 });
  assert.deepEqual(bit.map((t) => [t.partition, t.target, t.clamped]), [[0, 5, true], [1, 20, false], [2, 100, true]]);
  const forward = computeOffsetTargets(parts, { kind: 'shift', by: 7 });
  assert.deepEqual(forward.map((t) => [t.partition, t.target, t.clamped]), [[0, 12, false], [1, 57, false], [2, 100, true]]);
});

test('to-offset moves only the named partitions, clamped, and refuses unknown partitions', () => {
  const plan = computeOffsetTargets(parts, { kind: 'offsets', offsets: new Map([[1, 60], [0, 999]]) });
  assert.deepEqual(plan.map((t) => [t.partition, t.target, t.clamped]), [[0, 20, true], [1, 60, false]]);
  usage(() => computeOffsetTargets(parts, { kind: 'offsets', offsets: new Map([[7, 1]]) }));
});

test('to-datetime uses the broker answer; none (-1 or missing) means the log end', () => {
  const plan = computeOffsetTargets(parts, { kind: 'timestamp', offsets: new Map([[0, 7], [1, -1]]) });
  assert.deepEqual(plan.map((t) => [t.partition, t.target]), [[0, 7], [1, 100], [2, 100]]);
});

test('option parsers accept the documented forms and reject the rest', () => {
  assert.deepEqual([...parseOffsetList('0:10, 3:7')], [[0, 10], [3, 7]]);
  usage(() => parseOffsetList('0=10'));
  usage(() => parseOffsetList('0:1,0:2'));
  usage(() => parseOffsetList(''));
  assert.equal(parseShift('-169000'), -169000);
  assert.equal(parseShift('+5'), 5);
  usage(() => parseShift('1.5'));
  assert.equal(parseDatetime('2018-03-08T13:32:20Z'), Date.UTC(2018, 2, 8, 13, 32, 20));
  assert.equal(parseDatetime('2018-03-08T13:32:20'), Date.UTC(2018, 2, 8, 13, 32, 20));
  assert.equal(parseDatetime('2018-03-08T14:32:20+01:00'), Date.UTC(2018, 2, 8, 13, 32, 20));
  assert.equal(parseDatetime('2018-03-08'), Date.UTC(2018, 2, 8));
  usage(() => parseDatetime('yesterday'));
  usage(() => parseDatetime('2018-13-45T99:00:00Z'));
});

test('eventDt reads dt, meta.dt, or the 4th tab field of a raw line', () => {
  assert.equal(eventDt('{"dt":"2018-03-08T13:32:20Z","schema":"X"}'), '2018-03-08T13:32:20Z');
  assert.equal(eventDt('{"meta":{"dt":"2018-03-08T13:00:00Z"}}'), '2018-03-08T13:00:00Z');
  assert.equal(eventDt('?%7B%7D;\tcp1\t42\t2018-03-08T13:32:20\t1.2.3.4\tMozilla'), '2018-03-08T13:32:20');
  assert.equal(eventDt('{"schema":"X"}'), undefined);
  assert.equal(eventDt('no tabs here'), undefined);
});
