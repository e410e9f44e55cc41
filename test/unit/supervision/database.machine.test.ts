import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { databaseMachine, databaseStateName } from '../../../src/supervision/database.machine.js';

const flush = () => new Promise((r) => setImmediate(r));

function harness() {
  let healthy = false;
  let probes = 0;
  const clock = new SimulatedClock();
  const machine = databaseMachine.provide({
    actors: {
      probe: fromPromise<void>(async () => {
        probes += 1;
        if (!healthy) throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
      }),
    },
  });
  const actor = createActor(machine, { input: { backoffInitialMs: 100, backoffMaxMs: 400, downAfter: 3 }, clock });
  actor.start();
  return { actor, clock, heal: () => { healthy = true; }, probes: () => probes };
}

test('a reported failure moves up → failing, failed probes → down, a good probe → up', async () => {
  const h = harness();
  assert.equal(databaseStateName(h.actor.getSnapshot().value), 'up');
  h.actor.send({ type: 'db.failed', code: 'EL_DB_UNAVAILABLE', message: 'connection lost' });
  assert.equal(databaseStateName(h.actor.getSnapshot().value), 'failing');
  assert.equal(h.actor.getSnapshot().context.outages, 1);
  h.clock.increment(100); // first backoff, probe fails
  await flush();
  assert.equal(databaseStateName(h.actor.getSnapshot().value), 'failing');
  h.clock.increment(200); // second backoff, probe fails: failures reach downAfter
  await flush();
  assert.equal(databaseStateName(h.actor.getSnapshot().value), 'down');
  assert.match(h.actor.getSnapshot().context.lastError!.message, /ECONNREFUSED/);
  assert.equal(h.actor.getSnapshot().context.lastError!.code, 'EL_DB_UNAVAILABLE');
  h.clock.increment(400); // capped backoff, still down
  await flush();
  assert.equal(databaseStateName(h.actor.getSnapshot().value), 'down');
  assert.equal(h.probes(), 3);
  h.heal();
  h.clock.increment(400);
  await flush();
  assert.equal(databaseStateName(h.actor.getSnapshot().value), 'up');
  assert.equal(h.actor.getSnapshot().context.failures, 0);
});

test('db.stop ends the supervisor from any state', () => {
  const h = harness();
  h.actor.send({ type: 'db.failed', code: 'EL_DB_UNAVAILABLE', message: 'x' });
  h.actor.send({ type: 'db.stop' });
  assert.equal(databaseStateName(h.actor.getSnapshot().value), 'stopped');
  assert.equal(h.actor.getSnapshot().status, 'done');
});
