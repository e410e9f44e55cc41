import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { consumerGroupMachine } from '../../../src/supervision/consumer-group.machine.js';
import { ElError } from '../../../src/domain/errors.js';

const input = { group: 'g', backoffInitialMs: 100, backoffMaxMs: 1000, leaderLostTimeoutMs: 5000, rebalanceTimeoutMs: 30_000 };
const flush = () => new Promise((r) => setImmediate(r));

function harness(connectFails = 0) {
  const calls: string[] = [];
  let failures = connectFails;
  const clock = new SimulatedClock();
  const machine = consumerGroupMachine.provide({
    actors: {
      connect: fromPromise(async () => {
        calls.push('connect');
        if (failures > 0) {
          failures -= 1;
          throw new ElError('EL_KAFKA_UNAVAILABLE', 'broker down');
        }
      }),
      disconnect: fromPromise(async () => { calls.push('disconnect'); }),
      drain: fromPromise(async () => { calls.push('drain'); }),
    },
  });
  const actor = createActor(machine, { input, clock });
  actor.start();
  return { actor, clock, calls };
}


test('connect failures restart with backoff until the broker answers', async () => {
  const h = harness(2);
  await flush();
  assert.deepEqual(h.actor.getSnapshot().value, { restarting: 'waiting' });
  h.clock.increment(100);
  await flush();
  assert.deepEqual(h.actor.getSnapshot().value, { restarting: 'waiting' });
  h.clock.increment(199);
  await flush();
  assert.deepEqual(h.actor.getSnapshot().value, { restarting: 'waiting' }, 'second backoff is 200 ms');
  h.clock.increment(1);
  await flush();
  assert.equal(h.actor.getSnapshot().value, 'rebalancing');
  h.actor.send({ type: 'group.joined' });
  assert.equal(h.actor.getSnapshot().value, 'running');
  assert.equal(h.actor.getSnapshot().context.restarts, 2);
  assert.equal(h.actor.getSnapshot().context.consecutiveFailures, 0);
});

test('leader loss is a state; a fetched batch returns to running', async () => {
  const h = harness();
  await flush();
  h.actor.send({ type: 'batch.fetched' });
  h.actor.send({ type: 'leader.lost', message: 'This server is not the leader for that topic-partition' });
  assert.equal(h.actor.getSnapshot().value, 'leaderLost');
  h.actor.send({ type: 'batch.fetched' });
  assert.equal(h.actor.getSnapshot().value, 'running');
});

test('a leader loss the client does not recover from within the timeout restarts the consumer', async () => {
  const h = harness();
  await flush();
  h.actor.send({ type: 'group.joined' });
  h.actor.send({ type: 'leader.lost', message: 'Connection error: ECONNREFUSED' });
  h.clock.increment(4999);
  assert.equal(h.actor.getSnapshot().value, 'leaderLost');
  h.clock.increment(1);
  await flush();
  assert.deepEqual(h.actor.getSnapshot().value, { restarting: 'waiting' });
  assert.ok(h.calls.includes('disconnect'));
});

test('a fatal crash fails the group; a retryable one restarts it', async () => {
  const h = harness();
  await flush();
  h.actor.send({ type: 'group.joined' });
  h.actor.send({ type: 'group.crashed', error: new ElError('EL_KAFKA_REBALANCING', 'rebalance') });
  await flush();
  assert.deepEqual(h.actor.getSnapshot().value, { restarting: 'waiting' });
  h.clock.increment(100);
  await flush();
  h.actor.send({ type: 'group.joined' });
  h.actor.send({ type: 'group.crashed', error: new ElError('EL_KAFKA_FAILED', 'not authorized') });
  assert.equal(h.actor.getSnapshot().value, 'failed');
});

test('stop drains from any state', async () => {
  const h = harness();
  await flush();
  h.actor.send({ type: 'group.joined' });
  h.actor.send({ type: 'source.stop' });
  await flush();
  assert.equal(h.actor.getSnapshot().value, 'stopped');
  assert.ok(h.calls.includes('drain'));
});

/** A supervisor whose connect stays pending until the test releases it. */
function heldConnect() {
  let release!: () => void;
  const machine = consumerGroupMachine.provide({
    actors: {
      connect: fromPromise<void>(() => new Promise<void>((resolve) => { release = resolve; })),
      disconnect: fromPromise<void>(async () => {}),
      drain: fromPromise<void>(async () => {}),
    },
  });
  const actor = createActor(machine, { input, clock: new SimulatedClock() });
  actor.start();
  return { actor, release };
}

test('a join reported before connect resolves still counts (the client may report it from its rebalance callback first)', async () => {
  const { actor, release } = heldConnect();
  actor.send({ type: 'group.joined' });
  release();
  await flush();
  assert.equal(actor.getSnapshot().value, 'running');
});

test('a crash while connecting restarts the consumer instead of waiting for a join that never comes', async () => {
  const { actor, release } = heldConnect();
  actor.send({ type: 'group.crashed', error: new ElError('EL_KAFKA_UNAVAILABLE', 'This server does not host this topic-partition') });
  release();
  await flush();
  assert.deepEqual(actor.getSnapshot().value, { restarting: 'waiting' });
});

test('a join that never completes restarts the consumer after the rebalance timeout', async () => {
  const h = harness();
  await flush();
  assert.equal(h.actor.getSnapshot().value, 'rebalancing');
  h.clock.increment(30_000);
  await flush();
  assert.deepEqual(h.actor.getSnapshot().value, { restarting: 'waiting' });
});
