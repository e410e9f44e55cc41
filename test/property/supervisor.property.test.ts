// Model-based property test of the consumer-group supervisor: random sequences of Kafka client
// instrumentation events, classified crashes, connect outcomes and clock advances (XState's
// SimulatedClock), checked against invariants after every step.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, fromPromise, SimulatedClock, type SnapshotFrom } from 'xstate';
import { consumerGroupMachine, type ConsumerGroupEvent } from '../../src/supervision/consumer-group.machine.js';
import { backoffDelay } from '../../src/supervision/backoff.js';
import { ElError } from '../../src/domain/errors.js';

const input = { group: 'g', backoffInitialMs: 100, backoffMaxMs: 2000, leaderLostTimeoutMs: 5000, rebalanceTimeoutMs: 30_000 };
const flush = () => new Promise((r) => setImmediate(r));

type Outcome = 'ok' | 'retryable' | 'fatal';
type SendEvent = 'joined' | 'rebalancing' | 'batch' | 'leaderLost' | 'crash' | 'crashFatal' | 'stop';
type Step =
  | { kind: 'send'; event: SendEvent }
  | { kind: 'tick'; ms: number }
  | { kind: 'nextConnect'; outcome: Outcome };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), event: fc.constantFrom<SendEvent>('joined', 'rebalancing', 'batch', 'leaderLost', 'crash') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('send' as const), event: fc.constantFrom<SendEvent>('crashFatal', 'stop') }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2 * Math.max(input.backoffMaxMs, input.leaderLostTimeoutMs) }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('nextConnect' as const), outcome: fc.constantFrom<Outcome>('ok', 'retryable', 'retryable', 'fatal') }) },
);

const fatal = () => new ElError('EL_CONFIG_INVALID', 'bad credentials');
const retryable = () => new ElError('EL_KAFKA_UNAVAILABLE', 'broker down');

function eventOf(step: Extract<Step, { kind: 'send' }>): ConsumerGroupEvent {
  switch (step.event) {
    case 'joined': return { type: 'group.joined' };
    case 'rebalancing': return { type: 'group.rebalancing' };
    case 'batch': return { type: 'batch.fetched' };
    case 'leaderLost': return { type: 'leader.lost', message: 'This server is not the leader for that topic-partition' };
    case 'crash': return { type: 'group.crashed', error: retryable() };
    case 'crashFatal': return { type: 'group.crashed', error: fatal() };
    case 'stop': return { type: 'source.stop' };
  }
}

const stateName = (s: SnapshotFrom<typeof consumerGroupMachine>): string =>
  typeof s.value === 'string' ? s.value : Object.entries(s.value).map(([k, v]) => `${k}.${String(v)}`).join();

/** Runs one generated sequence, checking the invariants after every step; returns what a final check needs. */
async function runModel(steps: readonly Step[]) {
  assert.ok(fatal().flags.fatal && !retryable().flags.fatal, 'test premise: the codes are classified as assumed');
  const clock = new SimulatedClock();
  const outcomes: Outcome[] = [];
  let fatalSent = false;
  let connects = 0;
  const machine = consumerGroupMachine.provide({
    actors: {
      connect: fromPromise<void>(async () => {
        connects += 1;
        const outcome = outcomes.shift() ?? 'ok';
        if (outcome === 'fatal') {
          fatalSent = true;
          throw fatal();
        }
        if (outcome === 'retryable') throw retryable();
      }),
      disconnect: fromPromise<void>(async () => undefined),
      drain: fromPromise<void>(async () => undefined),
    },
  });
  const actor = createActor(machine, { input, clock });
  let current = '';
  let enteredAt = 0;
  actor.subscribe((s) => {
    const name = stateName(s);
    if (name !== current) {
      current = name;
      enteredAt = clock.now();
    }
  });
  actor.start();
  await flush();
  let stopped = false;
  for (const step of steps) {
    const before = current;
    if (step.kind === 'send') {
      if (step.event === 'crashFatal' && current !== 'connecting') fatalSent = true;
      if (step.event === 'stop') stopped = true;
      actor.send(eventOf(step));
    } else if (step.kind === 'tick') {
      clock.increment(step.ms);
    } else {
      outcomes.push(step.outcome);
    }
    await flush();
    await flush();

    // Invariant: `failed` only after a fatal error, and nothing but a stop leaves it.
    if (current === 'failed') assert.ok(fatalSent, `failed without a fatal error (after ${JSON.stringify(step)})`);
    if (before === 'failed' && !stopped) assert.equal(current, 'failed', 'left failed without a stop');
    // (Time jumps by whole ticks, so how long a state lasted is only known while it still holds.)
    // Invariant: a backoff wait never lasts as long as the cap, nor longer than its own computed delay.
    const stayed = clock.now() - enteredAt;
    if (current === 'restarting.waiting') {
      const n = actor.getSnapshot().context.consecutiveFailures;
      assert.ok(n >= 1, 'waiting with no failure counted');
      assert.ok(stayed < Math.min(input.backoffMaxMs, backoffDelay(n, input.backoffInitialMs, input.backoffMaxMs)) || stayed === 0,
        `still waiting after ${stayed} ms (failures ${n})`);
    }
    // Invariant: leader loss ends (running, rebalancing or restarting) before its timeout.
    if (current === 'leaderLost') assert.ok(stayed < input.leaderLostTimeoutMs, `leaderLost for ${stayed} ms`);
    if (stopped) assert.ok(current === 'stopped', `after source.stop: ${current}`);
  }
  return { actor, clock, outcomes, state: () => current, fatalSent: () => fatalSent, stopped, connects: () => connects };
}

describe('consumer-group supervisor (model-based, simulated time)', () => {
  it('keeps its invariants under any event sequence, and recovers to running once a connect succeeds and the group is joined', async () => {
    await fc.assert(fc.asyncProperty(fc.array(stepArb, { maxLength: 40 }), async (steps) => {
      const m = await runModel(steps);
      try {
        if (m.stopped || m.state() === 'failed') return;
        // The ending: every further connect succeeds; past any backoff, the group is joined.
        m.outcomes.length = 0;
        await flush();
        // Past any backoff (a leader-loss timeout may fire on the way and start one more).
        for (let i = 0; i < 5; i += 1) {
          m.clock.increment(input.backoffMaxMs);
          await flush();
          await flush();
          if (!m.state().startsWith('restarting')) break;
        }
        assert.ok(!m.state().startsWith('restarting'), `still ${m.state()} after five backoff caps`);
        m.actor.send({ type: 'group.joined' });
        assert.equal(m.state(), 'running', `after ${JSON.stringify(steps)}`);
        assert.equal(m.actor.getSnapshot().context.consecutiveFailures, 0, 'a healthy join resets the backoff');
      } finally {
        m.actor.stop();
      }
    }), { numRuns: 300 });
  });

  it('never reaches failed on retryable errors alone, however many', async () => {
    const noFatal = stepArb.filter((s) => !(s.kind === 'send' && (s.event === 'crashFatal' || s.event === 'stop'))
      && !(s.kind === 'nextConnect' && s.outcome === 'fatal'));
    await fc.assert(fc.asyncProperty(fc.array(noFatal, { maxLength: 60 }), async (steps) => {
      const m = await runModel(steps);
      try {
        assert.notEqual(m.state(), 'failed');
        assert.ok(!m.fatalSent());
      } finally {
        m.actor.stop();
      }
    }), { numRuns: 200 });
  });

  it('a leader loss that nothing resolves restarts the consumer exactly at the timeout', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 20 }), async (ticks) => {
      const m = await runModel([{ kind: 'send', event: 'joined' }, { kind: 'send', event: 'leaderLost' }]);
      try {
        let elapsed = 0;
        for (const t of ticks) {
          const step = Math.min(t, input.leaderLostTimeoutMs - 1 - elapsed);
          if (step <= 0) break;
          m.clock.increment(step);
          elapsed += step;
          await flush();
          assert.equal(m.state(), 'leaderLost', `left leaderLost early at ${elapsed} ms`);
        }
        m.clock.increment(input.leaderLostTimeoutMs - elapsed);
        await flush();
        await flush();
        assert.match(m.state(), /^restarting\./);
        assert.equal(m.actor.getSnapshot().context.restarts, 1);
      } finally {
        m.actor.stop();
      }
    }), { numRuns: 100 });
  });
});
