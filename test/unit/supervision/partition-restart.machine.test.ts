import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { partitionRestartMachine } from '../../../src/supervision/partition-restart.machine.js';

const input = { topic: 't', partition: 3, backoffInitialMs: 1000, backoffMaxMs: 4000 };
const flush = () => new Promise((r) => setImmediate(r));

function harness(outcomes: Array<boolean | Error> = []) {
  const calls: Array<{ topic: string; partition: number }> = [];
  const clock = new SimulatedClock();
  const machine = partitionRestartMachine.provide({
    actors: {
      restart: fromPromise(async ({ input: i }: { input: { topic: string; partition: number } }) => {
        calls.push(i);
        const outcome = outcomes.shift() ?? true;
        if (outcome instanceof Error) throw outcome;
        return outcome;
      }),
    },
  });
  const actor = createActor(machine, { input, clock });
  actor.start();
  return { actor, clock, calls };
}

test('a failed partition is restarted after the backoff, not before', async () => {
  const h = harness();
  h.actor.send({ type: 'partition.failed', message: 'EventError output refused' });
  assert.equal(h.actor.getSnapshot().value, 'waiting');
  h.clock.increment(999);
  await flush();
  assert.equal(h.calls.length, 0);
  h.clock.increment(1);
  await flush();
  assert.deepEqual(h.calls, [{ topic: 't', partition: 3 }]);
  assert.equal(h.actor.getSnapshot().value, 'probation');
  assert.equal(h.actor.getSnapshot().context.restarts, 1);
  assert.equal(h.actor.getSnapshot().context.lastError, 'EventError output refused');
});

test('failures in a row double the wait up to the cap; progress resets it', async () => {
  const h = harness();
  const waits: number[] = [];
  for (let n = 0; n < 4; n += 1) {
    h.actor.send({ type: 'partition.failed', message: 'boom' });
    let waited = 0;
    while (h.calls.length === n) {
      h.clock.increment(500);
      waited += 500;
      await flush();
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 4000]);
  h.actor.send({ type: 'partition.progressed' });
  assert.equal(h.actor.getSnapshot().value, 'healthy');
  h.actor.send({ type: 'partition.failed', message: 'again' });
  h.clock.increment(1000);
  await flush();
  assert.equal(h.calls.length, 5, 'after progress the first wait is the initial one again');
});

test('a restart that cannot be done now is tried again after a longer wait', async () => {
  const h = harness([new Error('revoked meanwhile'), true]);
  h.actor.send({ type: 'partition.failed', message: 'boom' });
  h.clock.increment(1000);
  await flush();
  assert.equal(h.calls.length, 1);
  assert.equal(h.actor.getSnapshot().value, 'waiting');
  h.clock.increment(1999);
  await flush();
  assert.equal(h.calls.length, 1);
  h.clock.increment(1);
  await flush();
  assert.equal(h.calls.length, 2);
  assert.equal(h.actor.getSnapshot().value, 'probation');
});

test('a failure reported while a restart is pending does not queue a second one', async () => {
  const h = harness();
  h.actor.send({ type: 'partition.failed', message: 'one' });
  h.actor.send({ type: 'partition.failed', message: 'two' });
  h.clock.increment(1000);
  await flush();
  h.clock.increment(10_000);
  await flush();
  assert.equal(h.calls.length, 1);
  assert.equal(h.actor.getSnapshot().context.attempts, 1);
});
