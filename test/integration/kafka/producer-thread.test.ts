import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { partitionForKey } from '../../../src/domain/murmur2.js';
import { ElError } from '../../../src/domain/errors.js';
import { createThreadedKafkaSink } from '../../../src/kafka/producer-thread.js';
import { BROKERS, consumeMessages as consume, freshTopic } from '../../helpers/kafka.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

test('the producer thread delivers every message, keyed to the partition any Kafka client would pick', { timeout: 120_000 }, async () => {
  const schemaTopic = await freshTopic('el-thread-schema', 3);
  const mixedTopic = await freshTopic('el-thread-mixed', 1);
  const sink = await createThreadedKafkaSink({ brokers: BROKERS, clientId: 'el-test-thread', logger });
  try {
    assert.equal(sink.connected(), true);
    const messages = Array.from({ length: 400 }, (_, i) => {
      const value = JSON.stringify({ i, text: `événement ${i}` });
      const key = `${i.toString(16).padStart(32, '0')}`;
      return [{ topic: schemaTopic, key, value }, { topic: mixedTopic, key, value }];
    }).flat();
    // Several batches in flight at once, as the produce stage sends them.
    await Promise.all([sink.send(messages.slice(0, 300)), sink.send(messages.slice(300))]);

    const onSchema = await consume(schemaTopic, 400);
    assert.equal(onSchema.length, 400);
    for (const m of onSchema) {
      const { i } = JSON.parse(m.value) as { i: number };
      assert.equal(m.key, i.toString(16).padStart(32, '0'));
      assert.equal(m.partition, partitionForKey(m.key!, 3));
    }
    assert.deepEqual(new Set(onSchema.map((m) => m.value)).size, 400);
    assert.equal((await consume(mixedTopic, 400)).length, 400);
  } finally {
    await sink.close();
  }
  assert.equal(sink.connected(), false);
  await assert.rejects(sink.send([{ topic: schemaTopic, value: 'late' }]), (e: unknown) => e instanceof ElError);
});

test('a producer thread that dies fails its batches in flight as retryable, and the next send starts a new one', { timeout: 120_000 }, async () => {
  const topic = await freshTopic('el-thread-crash', 1);
  const threads: Worker[] = [];
  const lost: ElError[] = [];
  const sink = await createThreadedKafkaSink({
    brokers: BROKERS, clientId: 'el-test-thread', logger, onThread: (w) => threads.push(w), onThreadLost: (e) => lost.push(e),
  });
  try {
    const inFlight = sink.send([{ topic, value: 'lost-with-the-thread' }]);
    await threads[0]!.terminate();
    await assert.rejects(inFlight, (e: unknown) => e instanceof ElError && e.flags.retryable && e.code === 'EL_KAFKA_UNAVAILABLE');
    assert.equal(sink.connected(), false);
    assert.equal(lost.length, 1, 'the loss is reported once');

    // A topic of its own: whether the lost batch reached the broker or not is not this test's point.
    const after = await freshTopic('el-thread-after', 1);
    await sink.send([{ topic: after, value: 'after-restart' }]);
    assert.equal(threads.length, 2, 'a second thread was started');
    assert.equal(sink.connected(), true);
    assert.deepEqual((await consume(after, 1)).map((m) => m.value), ['after-restart']);
  } finally {
    await sink.close();
  }
  assert.equal(lost.length, 1, 'closing is not a loss');
});
