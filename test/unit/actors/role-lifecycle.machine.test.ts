import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { roleLifecycleMachine } from '../../../src/actors/role-lifecycle.machine.js';
import { ElError } from '../../../src/domain/errors.js';

const flush = () => new Promise((r) => setImmediate(r));

function harness(outcomes: Array<Error | undefined>, hold?: Promise<void>) {
  const calls: string[] = [];
  let aborted = false;
  const clock = new SimulatedClock();
  const machine = roleLifecycleMachine.provide({
    actors: {
      connect: fromPromise(async ({ signal }) => {
        calls.push('connect');
        signal.addEventListener('abort', () => { aborted = true; });
        if (hold) await hold;
        const outcome = outcomes.shift();
        if (outcome) throw outcome;
      }),
      close: fromPromise(async () => { calls.push('close'); }),
    },
  });
  const actor = createActor(machine, { input: { backoffInitialMs: 200, backoffMaxMs: 800 }, clock });
  actor.start();
  return { actor, clock, calls, aborted: () => aborted };
}

test('a role waits for role.start, then connects and runs', async () => {
  const h = harness([undefined]);
  assert.equal(h.actor.getSnapshot().value, 'idle');
  assert.deepEqual(h.calls, []);
  h.actor.send({ type: 'role.start' });
  await flush();
  assert.equal(h.actor.getSnapshot().value, 'running');
  assert.deepEqual(h.calls, ['connect']);
});

test('unreachable outputs are retried with capped backoff; an unknown error is retried too', async () => {
  const h = harness([new ElError('EL_KAFKA_UNAVAILABLE', 'down'), new Error('client said no'), new ElError('EL_TIMEOUT', 'slow'), undefined]);
  h.actor.send({ type: 'role.start' });
  await flush();
  assert.equal(h.actor.getSnapshot().value, 'waiting');
  const waits: number[] = [];
  while (h.actor.getSnapshot().value !== 'running') {
    let waited = 0;
    const before = h.calls.length;
    while (h.calls.length === before) {
      h.clock.increment(100);
      waited += 100;
      await flush();
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [200, 400, 800]);
  assert.equal(h.actor.getSnapshot().context.attempts, 0, 'a connect resets the backoff');
});

test('a refused login or a configuration mistake is not retried', async () => {
  for (const error of [new ElError('EL_KAFKA_AUTH', 'SASL authentication failed'), new ElError('EL_CONFIG_INVALID', 'bad')]) {
    const h = harness([error]);
    h.actor.send({ type: 'role.start' });
    await flush();
    assert.equal(h.actor.getSnapshot().value, 'failed');
    assert.equal(h.actor.getSnapshot().context.lastError, error);
    h.clock.increment(60_000);
    await flush();
    assert.deepEqual(h.calls, ['connect']);
  }
});

test('stop while a connect is under way aborts it and closes; stop twice closes once', async () => {
  let release!: () => void;
  const h = harness([undefined], new Promise<void>((r) => { release = r; }));
  h.actor.send({ type: 'role.start' });
  await flush();
  h.actor.send({ type: 'role.stop' });
  h.actor.send({ type: 'role.stop' });
  await flush();
  assert.ok(h.aborted(), 'the connect is told the role stopped');
  release();
  await flush();
  assert.equal(h.actor.getSnapshot().value, 'stopped');
  assert.equal(h.actor.getSnapshot().status, 'done');
  assert.deepEqual(h.calls, ['connect', 'close']);
});

test('stop before start still closes (and a start after it does nothing)', async () => {
  const h = harness([]);
  h.actor.send({ type: 'role.stop' });
  await flush();
  h.actor.send({ type: 'role.start' });
  await flush();
  assert.equal(h.actor.getSnapshot().value, 'stopped');
  assert.deepEqual(h.calls, ['close']);
});
