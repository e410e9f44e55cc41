import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, toArray, lastValueFrom } from 'rxjs';
import { pino } from 'pino';
import { produce, type Routed } from '../../../src/streams/produce.js';
import type { KafkaSink, OutMessage } from '../../../src/adapters/kafka/kafka-producer.js';

const logger = pino({ level: 'silent' });
const routed = (offset: number): Routed => ({ offset, messages: [{ topic: 't', value: `v${offset}` }] });

test('marks come out in offset order even when a later batch is acknowledged first', async () => {
  const sent: string[][] = [];
  const releases: Array<() => void> = [];
  const sink: KafkaSink = {
    send: (messages: readonly OutMessage[]) => new Promise<void>((resolve) => {
      sent.push(messages.map((m) => m.value));
      releases.push(resolve);
    }),
    connected: () => true,
    close: async () => undefined,
  };
  const input = new Subject<Routed>();
  const out = lastValueFrom(input.pipe(produce({ sink, logger, maxBatch: 2, lingerMs: 1000, batchesInFlight: 3 }), toArray()));
  for (let i = 0; i < 6; i += 1) input.next(routed(i));
  await new Promise((r) => setImmediate(r));
  assert.equal(sent.length, 3, 'three batches in flight at once');
  releases[2]!();
  releases[1]!();
  await new Promise((r) => setImmediate(r));
  releases[0]!();
  input.complete();
  assert.deepEqual(await out, [{ offset: 1, count: 2 }, { offset: 3, count: 2 }, { offset: 5, count: 2 }]);
});

test('a failed send is retried with the same messages and the mark waits for it', async () => {
  let calls = 0;
  const sink: KafkaSink = {
    send: async () => {
      calls += 1;
      if (calls === 1) throw new Error('leader moved');
    },
    connected: () => true,
    close: async () => undefined,
  };
  const input = new Subject<Routed>();
  const out = lastValueFrom(input.pipe(produce({ sink, logger, lingerMs: 1, sleep: async () => undefined }), toArray()));
  input.next(routed(7));
  await new Promise((r) => setTimeout(r, 20));
  input.complete();
  assert.deepEqual(await out, [{ offset: 7, count: 1 }]);
  assert.equal(calls, 2);
});
