import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { partitionForKey } from '../../../src/domain/murmur2.js';
import { ElError } from '../../../src/domain/errors.js';
import { createFrameProducer } from '../../../src/kafka/frame-producer.js';
import type { WireMessage } from '../../../src/kafka/kafka-producer.js';
import { packFrame } from '../../../src/kafka/produce-frame.js';
import { BROKERS, consumeMessages as read, freshTopic, testKafka, uniqueName } from '../../helpers/kafka.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

test('frames reach the real broker byte for byte: keyed to the partition any client picks, key-less, empty keys, new topics created on first use', { timeout: 120_000 }, async () => {
  const keyed = await freshTopic('el-frames-keyed', 3);
  const created = uniqueName('el-frames-new'); // does not exist yet
  const producer = await createFrameProducer({ brokers: BROKERS, clientId: 'el-test-frames', logger });
  try {
    assert.equal(producer.connected(), true);
    const messages: WireMessage[] = Array.from({ length: 600 }, (_, i) => ({
      topic: keyed, key: i.toString(16).padStart(32, '0'), value: JSON.stringify({ i, text: `événement ${i} 𝄞`, pad: 'x'.repeat(i % 300) }),
    }));
    const extra: WireMessage[] = [
      { topic: created, value: '' },
      { topic: created, key: '', value: 'empty key' },
      { topic: created, key: 'k', value: '{"only":"value"}' },
    ];
    // Several frames in flight at once, one of them spanning both topics, as the produce stage sends them.
    await Promise.all([
      producer.send(packFrame(messages.slice(0, 250))),
      producer.send(packFrame([...messages.slice(250), ...extra])),
    ]);

    const onKeyed = await read(keyed, 600);
    assert.equal(onKeyed.length, 600);
    assert.equal(new Set(onKeyed.map((m) => m.value)).size, 600);
    for (const m of onKeyed) {
      const { i } = JSON.parse(m.value) as { i: number };
      assert.equal(m.value, messages[i]!.value);
      assert.equal(m.key, messages[i]!.key);
      assert.equal(m.partition, partitionForKey(m.key!, 3));
    }
    const onCreated = await read(created, 3);
    assert.deepEqual(onCreated.map((m) => [m.key, m.value]), [[null, ''], ['', 'empty key'], ['k', '{"only":"value"}']]);
  } finally {
    await producer.close();
  }
  assert.equal(producer.connected(), false);
  await assert.rejects(producer.send(packFrame([{ topic: keyed, value: 'late' }])), (e: unknown) => e instanceof ElError && e.code === 'EL_KAFKA_UNAVAILABLE');
});

test('a partition the broker no longer has is retried on its own with fresh metadata, and the send succeeds', { timeout: 120_000 }, async () => {
  const topic = await freshTopic('el-frames-deleted', 2);
  const lines: string[] = [];
  const watched = pino({ level: 'warn' }, new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString()); done(); } }));
  const retried: Array<[string, number]> = [];
  const producer = await createFrameProducer({
    brokers: BROKERS, clientId: 'el-test-frames', logger: watched, onRetry: (code, messages) => retried.push([code, messages]),
  });
  try {
    await producer.send(packFrame([{ topic, key: 'a', value: 'first' }]));
    assert.equal(retried.length, 0, 'a send that goes through retries nothing');
    // Delete the topic under the producer: its cached metadata now names partitions that are gone.
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [topic] });
      for (let i = 0; i < 100 && (await admin.listTopics()).includes(topic); i += 1) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await admin.disconnect();
    }
    await producer.send(packFrame([{ topic, key: 'a', value: 'second' }, { topic, key: 'b', value: 'third' }]));
    assert.ok(lines.some((l) => l.includes('retrying them with fresh metadata')), `a retry was logged: ${lines.join('')}`);
    assert.ok(retried.length > 0 && retried.every(([code, n]) => code.startsWith('EL_KAFKA_') && n >= 1 && n <= 2), `retries reported: ${JSON.stringify(retried)}`);
    // Created again on first use (one partition, the broker's default), holding the retried messages.
    const seen = await read(topic, 2);
    assert.deepEqual(seen.map((m) => m.value).sort(), ['second', 'third']);
  } finally {
    await producer.close();
  }
});

test('no reachable broker: connecting fails at once with a retryable, classified error', { timeout: 30_000 }, async () => {
  const started = Date.now();
  await assert.rejects(
    createFrameProducer({ brokers: ['127.0.0.1:1'], clientId: 'el-test-frames', logger, connectTimeoutMs: 2_000 }),
    (e: unknown) => e instanceof ElError && e.code === 'EL_KAFKA_UNAVAILABLE' && e.flags.retryable && /127\.0\.0\.1:1/.test(e.message),
  );
  assert.ok(Date.now() - started < 5_000);
});
