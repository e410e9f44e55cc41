import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluatePartition } from '../../src/domain/burrow/evaluate-partition.js';
import { evaluateGroup } from '../../src/domain/burrow/evaluate-group.js';
import { appendCommit } from '../../src/domain/burrow/lag-window.js';
import type { Commit } from '../../src/domain/burrow/partition-status.js';

const T0 = 1_455_812_030_875;

/** A commit history that ends when the consumer stops committing: offsets advance, lags arbitrary. */
const stoppedHistory = fc
  .record({
    gaps: fc.array(fc.integer({ min: 1000, max: 120_000 }), { minLength: 1, maxLength: 11 }),
    steps: fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 12, maxLength: 12 }),
    lags: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 12, maxLength: 12 }),
    firstOffset: fc.integer({ min: 0, max: 1e9 }),
  })
  .map(({ gaps, steps, lags, firstOffset }) => {
    const window: Commit[] = [{ offset: firstOffset, timestamp: T0, lag: lags[0]! }];
    gaps.forEach((gap, i) => {
      const prev = window[window.length - 1]!;
      window.push({ offset: prev.offset + steps[i]!, timestamp: prev.timestamp + gap, lag: lags[i + 1]! });
    });
    return window;
  });

const spanOf = (w: readonly Commit[]) => w[w.length - 1]!.timestamp - w[0]!.timestamp;
/** Rule 4 as Burrow states it: idle time (now in whole seconds) strictly longer than the window span. */
const rule4 = (w: readonly Commit[], now: number) => Math.floor(now / 1000) * 1000 - w[w.length - 1]!.timestamp > spanOf(w);

describe('Burrow rules, properties', () => {
  it('a consumer that stops committing, not caught up, is STOP exactly when rule 4 holds (never before)', () => {
    fc.assert(
      fc.property(
        stoppedHistory,
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.array(fc.integer({ min: 1, max: 1e6 }), { maxLength: 5 }),
        (window, spans, extra, currentLag, ahead) => {
          const last = window[window.length - 1]!;
          const now = last.timestamp + Math.floor(spans * spanOf(window)) + extra;
          const brokerOffsets = ahead.map((d) => last.offset + d); // every head is past the last commit
          const v = evaluatePartition({ window, currentLag, brokerOffsets, now });
          assert.equal(v.status === 'STOP', rule4(window, now), `now ${now}: ${v.explanation}`);
          if (v.status === 'STOP') assert.equal(v.rule, 'rule4-stopped');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('boundary: idle equal to the span is not STOP, one second more is', () => {
    fc.assert(
      fc.property(stoppedHistory, fc.integer({ min: 1, max: 1e6 }), (window, currentLag) => {
        const last = window[window.length - 1]!.timestamp;
        const atSpan = Math.ceil((last + spanOf(window)) / 1000) * 1000; // first whole second with idle ≥ span
        const idleAt = atSpan - last;
        const input = { window, currentLag, brokerOffsets: [], now: atSpan };
        assert.equal(evaluatePartition(input).status === 'STOP', idleAt > spanOf(window));
        assert.equal(evaluatePartition({ ...input, now: atSpan + 1000 }).status, 'STOP');
      }),
      { numRuns: 300 },
    );
  });

  it('within the second in which idle passes the span, Burrow (whole-second now) does not yet say STOP', () => {
    fc.assert(
      fc.property(stoppedHistory, fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), (window, currentLag, at) => {
        const boundary = window[window.length - 1]!.timestamp + spanOf(window);
        const nextSecond = Math.floor(boundary / 1000) * 1000 + 1000;
        fc.pre(nextSecond - 1 > boundary);
        const now = boundary + 1 + Math.floor(at * (nextSecond - 2 - boundary)); // idle > span in real ms
        assert.notEqual(evaluatePartition({ window, currentLag, now }).status, 'STOP');
        assert.equal(evaluatePartition({ window, currentLag, now: nextSecond }).status, 'STOP');
      }),
      { numRuns: 300 },
    );
  });

  it('a stopped consumer is never STOP when a recent broker head shows it caught up, or when current lag is 0', () => {
    fc.assert(
      fc.property(stoppedHistory, fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 100 }),
        (window, idle, currentLag, below) => {
          const last = window[window.length - 1]!;
          const now = last.timestamp + idle;
          const caughtUp = evaluatePartition({ window, currentLag, brokerOffsets: [last.offset + currentLag, last.offset - below], now });
          assert.notEqual(caughtUp.status, 'STOP');
          const atHead = evaluatePartition({ window, currentLag: 0, now });
          assert.deepEqual([atHead.status, atHead.rule], ['OK', 'no-lag']);
        }),
      { numRuns: 300 },
    );
  });

  it('a consumer that keeps up (regular commits, offsets follow the head, lag back to 0) is always OK', () => {
    const intervals = 10;
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 60_000 }),
        fc.array(fc.record({ produced: fc.integer({ min: 0, max: 500 }), behind: fc.integer({ min: 0, max: 300 }), jitter: fc.double({ min: 0, max: 0.49, noNaN: true }) }), { minLength: 2, maxLength: 30 }),
        fc.nat(),
        fc.double({ min: 0, max: 0.49, noNaN: true }),
        fc.integer({ min: 0, max: 500 }),
        (interval, ticks, zeroPick, wait, producedSince) => {
          // The consumer is at the head at one commit among the last `intervals` (lag returns to 0).
          const zeroAt = ticks.length - 1 - (zeroPick % Math.min(intervals, ticks.length));
          let head = 1000;
          let offset = 1000;
          let window: readonly Commit[] = [];
          const heads: number[] = [];
          ticks.forEach((tick, i) => {
            head += tick.produced;
            offset = Math.max(offset, head - (i === zeroAt ? 0 : tick.behind));
            heads.unshift(head);
            const timestamp = T0 + i * interval + Math.floor(tick.jitter * interval);
            window = appendCommit(window, { offset, timestamp }, head, { intervals });
          });
          const last = window[window.length - 1]!;
          const now = last.timestamp + Math.floor(wait * interval); // the next commit is not due yet
          const headNow = head + producedSince;
          const input = { window, currentLag: headNow - offset, brokerOffsets: [headNow, ...heads].slice(0, 5), now, intervals };
          const v = evaluatePartition(input);
          assert.equal(v.status, 'OK', v.explanation);
          assert.ok(['no-lag', 'lag-zero-in-window'].includes(v.rule), v.rule);
          const group = evaluateGroup([{ ...input, topic: 't', partition: 0 }, { ...input, topic: 't', partition: 1 }]);
          assert.equal(group.status, 'OK');
        },
      ),
      { numRuns: 500 },
    );
  });
});
