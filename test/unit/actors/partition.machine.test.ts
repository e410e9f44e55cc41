import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromCallback, fromPromise, SimulatedClock, type AnyEventObject } from 'xstate';
import { partitionMachine, partitionStateName } from '../../../src/actors/partition.machine.js';

const input = { topic: 't', partition: 0, highWater: 10, lowWater: 5, commitIntervalMs: 1000, drainTimeoutMs: 5000 };

function harness() {
  const commits: number[] = [];
  const pauses: string[] = [];
  let sendBack: ((e: AnyEventObject) => void) | undefined;
  const clock = new SimulatedClock();
  const machine = partitionMachine.provide({
    actors: {
      pipeline: fromCallback(({ sendBack: sb }) => { sendBack = sb; }),
      pauseWhileBackpressured: fromCallback(() => {
        pauses.push('pause');
        return () => pauses.push('resume');
      }),
      commit: fromPromise(async ({ input: i }: { input: { offset: number } }) => {
        commits.push(i.offset);
        return i.offset;
      }),
    },
  });
  const actor = createActor(machine, { input, clock });
  actor.start();
  const flush = () => new Promise((r) => setImmediate(r));
  return { actor, clock, commits, pauses, complete: (offset: number, count: number) => sendBack?.({ type: 'records.completed', offset, count }), flush };
}

test('pauses at the high-water mark and resumes at the low-water mark', () => {
  const h = harness();
  h.actor.send({ type: 'records.received', count: 9, lastOffset: 8 });
  assert.equal(partitionStateName(h.actor.getSnapshot().value), 'flowing');
  h.actor.send({ type: 'records.received', count: 1, lastOffset: 9 });
  assert.equal(partitionStateName(h.actor.getSnapshot().value), 'backpressured');
  assert.deepEqual(h.pauses, ['pause']);
  h.complete(3, 4); // 6 in flight: still above low water
  assert.equal(partitionStateName(h.actor.getSnapshot().value), 'backpressured');
  h.complete(4, 1); // 5 in flight: resume
  assert.equal(partitionStateName(h.actor.getSnapshot().value), 'flowing');
  assert.deepEqual(h.pauses, ['pause', 'resume']);
  assert.equal(h.actor.getSnapshot().context.pauses, 1);
});

test('commits only offsets whose records are durable: at once after a quiet spell, then at most once per interval', async () => {
  const h = harness();
  h.actor.send({ type: 'records.received', count: 10, lastOffset: 109 });
  h.clock.increment(1000);
  await h.flush();
  assert.deepEqual(h.commits, [], 'nothing durable, nothing committed');
  h.complete(102, 3);
  await h.flush();
  assert.deepEqual(h.commits, [103], 'the first durable records are committed without waiting for the timer, one past the last');
  h.complete(104, 2);
  h.complete(105, 1);
  await h.flush();
  h.clock.increment(999);
  await h.flush();
  assert.deepEqual(h.commits, [103], 'within the interval nothing more is committed');
  h.clock.increment(1);
  await h.flush();
  assert.deepEqual(h.commits, [103, 106], 'at the end of the interval one commit carries everything durable meanwhile');
  h.clock.increment(5000);
  await h.flush();
  assert.deepEqual(h.commits, [103, 106], 'no new durable records, no new commit');
  h.complete(109, 4);
  await h.flush();
  assert.deepEqual(h.commits, [103, 106, 110], 'after a quiet interval the next durable records are committed at once');
});

test('a burst that ends is committed once the partition falls quiet, not at the end of the interval', async () => {
  const h = harness();
  h.actor.send({ type: 'records.received', count: 4, lastOffset: 3 });
  h.complete(1, 2);
  await h.flush();
  assert.deepEqual(h.commits, [2]);
  h.clock.increment(100);
  h.actor.send({ type: 'records.received', count: 4, lastOffset: 7 });
  h.clock.increment(200);
  h.complete(7, 6);
  await h.flush();
  assert.deepEqual(h.commits, [2], 'a record 200 ms ago: not quiet yet');
  h.clock.increment(49);
  await h.flush();
  assert.deepEqual(h.commits, [2], 'quiet for 249 ms of the 250');
  h.clock.increment(1);
  await h.flush();
  assert.deepEqual(h.commits, [2, 8], 'quiet for a quarter of the interval with everything durable: committed');
  assert.equal(h.actor.getSnapshot().context.received, 8, 'records received while resting are counted once');
});

test('a quiet partition with records still in flight commits when they become durable, within the interval', async () => {
  const h = harness();
  h.actor.send({ type: 'records.received', count: 4, lastOffset: 3 });
  h.complete(0, 1);
  await h.flush();
  assert.deepEqual(h.commits, [1]);
  h.clock.increment(400);
  assert.equal(h.actor.getSnapshot().context.received, 4);
  await h.flush();
  h.complete(2, 2);
  await h.flush();
  assert.deepEqual(h.commits, [1], 'a record still in flight: the burst is not over');
  h.clock.increment(100);
  h.complete(3, 1);
  await h.flush();
  assert.deepEqual(h.commits, [1, 4], 'the last record durable: committed at 500 ms');
});

test('records arriving steadily keep one commit per interval', async () => {
  const h = harness();
  let next = 0;
  // A record every 100 ms, each durable at once: never quiet for 250 ms.
  for (let t = 0; t < 2500; t += 100) {
    h.actor.send({ type: 'records.received', count: 1, lastOffset: next });
    h.complete(next, 1);
    next += 1;
    await h.flush();
    h.clock.increment(100);
    await h.flush();
  }
  assert.equal(h.commits.length, 3, `commits at 0, 1 and 2 s: ${h.commits.join(', ')}`);
  assert.equal(h.actor.getSnapshot().context.received, 25);
});

test('a revoked partition drains: it waits for in-flight records, commits, then stops', async () => {
  const h = harness();
  h.actor.send({ type: 'records.received', count: 3, lastOffset: 2 });
  h.actor.send({ type: 'partition.revoked' });
  assert.equal(partitionStateName(h.actor.getSnapshot().value), 'draining');
  h.complete(2, 3);
  await h.flush();
  assert.deepEqual(h.commits, [3]);
  assert.equal(h.actor.getSnapshot().status, 'done');
  assert.equal(partitionStateName(h.actor.getSnapshot().value), 'stopped');
});

test('a drain that times out still commits what is durable', async () => {
  const h = harness();
  h.actor.send({ type: 'records.received', count: 3, lastOffset: 2 });
  h.complete(0, 1);
  await h.flush();
  // Durable within the commit interval, so not committed yet when the partition is revoked.
  h.complete(1, 1);
  h.actor.send({ type: 'partition.revoked' });
  h.clock.increment(5000);
  await h.flush();
  assert.deepEqual(h.commits, [1, 2]);
  assert.equal(h.actor.getSnapshot().status, 'done');
});

test('a failed pipeline moves the actor to failed with the message', () => {
  const h = harness();
  h.actor.send({ type: 'pipeline.failed', message: 'boom' });
  assert.equal(h.actor.getSnapshot().value, 'failed');
  assert.equal(h.actor.getSnapshot().context.error, 'boom');
});
