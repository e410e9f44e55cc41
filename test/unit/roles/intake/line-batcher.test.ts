import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLineBatcher } from '../../../../src/roles/intake/line-batcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('lines are sent in order, in batches of at most maxBatch, after the linger', async () => {
  const batches: string[][] = [];
  const b = createLineBatcher({ send: async (l) => void batches.push([...l]), connected: () => true, maxBatch: 3, lingerMs: 5 });
  for (const x of ['a', 'b', 'c', 'd', 'e']) assert.equal(b.offer(x), 'accepted');
  assert.equal(b.backlog(), 5);
  await sleep(30);
  assert.deepEqual(batches, [['a', 'b', 'c'], ['d', 'e']]);
  assert.equal(b.backlog(), 0);
});

test('a single line waits only for the linger', async () => {
  const batches: string[][] = [];
  const b = createLineBatcher({ send: async (l) => void batches.push([...l]), connected: () => true, lingerMs: 5 });
  b.offer('only');
  assert.deepEqual(batches, []);
  await sleep(25);
  assert.deepEqual(batches, [['only']]);
});

test('backlog is bounded: offers beyond maxBacklog are refused, not queued', async () => {
  let release!: () => void;
  const stuck = new Promise<void>((r) => {
    release = r;
  });
  const sent: string[] = [];
  const b = createLineBatcher({
    send: async (l) => {
      await stuck;
      sent.push(...l);
    },
    connected: () => true, maxBatch: 2, maxBacklog: 4, lingerMs: 1,
  });
  const results = ['1', '2', '3', '4', '5', '6'].map((x) => b.offer(x));
  assert.deepEqual(results, ['accepted', 'accepted', 'accepted', 'accepted', 'backlog-full', 'backlog-full']);
  release();
  await sleep(20);
  assert.deepEqual(sent, ['1', '2', '3', '4']);
});

test('a failed batch is retried, not lost; while failing, offers are refused as down', async () => {
  let failures = 2;
  const sent: string[] = [];
  const failed: number[] = [];
  const b = createLineBatcher({
    send: async (l) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('broker gone');
      }
      sent.push(...l);
    },
    connected: () => true, lingerMs: 1, retryDelayMs: 5, onSendFailed: (_e, n) => failed.push(n),
  });
  b.offer('x');
  b.offer('y');
  await sleep(3);
  assert.equal(b.healthy(), false);
  assert.equal(b.offer('z'), 'down');
  await sleep(40);
  assert.deepEqual(sent, ['x', 'y']);
  assert.deepEqual(failed, [2, 2]);
  assert.equal(b.healthy(), true);
  assert.equal(b.offer('z'), 'accepted');
});

test('a disconnected transport refuses lines', () => {
  const b = createLineBatcher({ send: async () => {}, connected: () => false });
  assert.equal(b.offer('x'), 'down');
  assert.equal(b.backlog(), 0);
});

test('drain sends what is queued, then refuses new lines', async () => {
  const sent: string[] = [];
  const b = createLineBatcher({ send: async (l) => void sent.push(...l), connected: () => true, lingerMs: 10_000 });
  b.offer('a');
  b.offer('b');
  assert.equal(await b.drain(1000), 0);
  assert.deepEqual(sent, ['a', 'b']);
  assert.equal(b.offer('c'), 'down');
});

test('drain gives up at its deadline and reports what was left', async () => {
  const b = createLineBatcher({ send: async () => Promise.reject(new Error('down')), connected: () => true, lingerMs: 10_000, retryDelayMs: 20 });
  b.offer('a');
  b.offer('b');
  const started = Date.now();
  assert.equal(await b.drain(100), 2);
  assert.ok(Date.now() - started < 1000);
});

test('latency and counts are reported per batch', async () => {
  const reports: Array<[number, number]> = [];
  let t = 0;
  const b = createLineBatcher({
    send: async () => {
      t += 7;
    },
    connected: () => true, lingerMs: 1, now: () => t, onSent: (n, s) => reports.push([n, s]),
  });
  b.offer('a');
  b.offer('b');
  await sleep(15);
  assert.deepEqual(reports, [[2, 0.007]]);
});
