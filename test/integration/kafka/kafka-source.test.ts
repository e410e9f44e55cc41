import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, concatMap, bufferTime, filter, map, delay, of, type Observable } from 'rxjs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKafkaSource } from '../../../src/adapters/kafka/kafka-source.js';
import type { Completed, KafkaRecord } from '../../../src/adapters/kafka/kafka-record.js';
import { BROKERS, freshTopic, produceLines, testKafka, uniqueName } from '../../helpers/kafka.js';
import { until } from '../../helpers/wait.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function committed(group: string, topic: string): Promise<Record<number, number>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return Object.fromEntries((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}


/** A pipeline that marks records durable in small batches after a short delay, recording what it saw. */
function recordingPipeline(seen: KafkaRecord[]) {
  return (records: Observable<KafkaRecord>): Observable<Completed> => records.pipe(
    bufferTime(20, null, 100),
    filter((batch) => batch.length > 0),
    concatMap((batch) => of(batch).pipe(delay(5))),
    map((batch) => {
      seen.push(...batch);
      return { offset: batch[batch.length - 1]!.offset, count: batch.length };
    }),
  );
}

test('every record reaches the pipeline once per group, and offsets are committed after completion', async () => {
  const topic = await freshTopic('el-source', 2);
  const group = uniqueName('el-source-group');
  const lines = Array.from({ length: 1000 }, (_, i) => `line-${i}`);
  await produceLines(topic, lines.slice(0, 500), 0);
  await produceLines(topic, lines.slice(500), 1);
  const seen: KafkaRecord[] = [];
  const source = createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'test' },
    group, topics: [topic], pipeline: recordingPipeline(seen), logger, registry: new Registry(), role: 'test',
    commitIntervalMs: 200,
  });
  source.start();
  try {
    await until(() => seen.length >= 1000, 30_000, '1000 records');
    await until(async () => {
      const c = await committed(group, topic);
      return c[0] === 500 && c[1] === 500;
    }, 10_000, 'commits of 500 on each partition');
    assert.deepEqual(seen.map((r) => r.value?.toString()).sort(), [...lines].sort());
    assert.equal(source.state(), 'running');
    const parts = source.partitions();
    assert.equal(parts.length, 2);
    for (const p of parts) assert.equal(p.inFlight, 0);
  } finally {
    await source.stop();
  }
});

test('a slow pipeline pauses the partition (backpressure) and loses nothing', async () => {
  const topic = await freshTopic('el-source-bp', 1);
  const group = uniqueName('el-source-bp-group');
  const lines = Array.from({ length: 3000 }, (_, i) => `bp-${i}`);
  await produceLines(topic, lines, 0);
  const release = new Subject<void>();
  const seen: KafkaRecord[] = [];
  let gate = 0;
  const source = createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'test' },
    group, topics: [topic], logger, registry: new Registry(), role: 'test',
    highWater: 200, lowWater: 50, commitIntervalMs: 100,
    // Holds every record until the test releases the gate.
    pipeline: (records) => records.pipe(
      concatMap((r) => (gate > 0 ? of(r) : new Promise<KafkaRecord>((resolve) => {
        const s = release.subscribe(() => { s.unsubscribe(); resolve(r); });
      }))),
      map((r) => {
        seen.push(r);
        return { offset: r.offset, count: 1 };
      }),
    ),
  });
  source.start();
  try {
    await until(() => source.partitions()[0]?.state === 'backpressured', 20_000, 'backpressured state');
    const held = source.partitions()[0]!;
    assert.ok(held.inFlight >= 200, `in flight ${held.inFlight} reached the high-water mark`);
    // Bounded: one fetched batch at most beyond the high-water mark, never the whole topic.
    assert.ok(held.received < 3000, `received ${held.received} while paused`);
    gate = 1;
    release.next();
    await until(() => seen.length >= 3000, 30_000, 'all records after resume');
    assert.equal(new Set(seen.map((r) => r.offset)).size, 3000, 'each offset exactly once');
    assert.ok(source.partitions()[0]!.pauses >= 1);
    await until(async () => (await committed(group, topic))[0] === 3000, 10_000, 'commit of 3000');
  } finally {
    release.complete();
    await source.stop();
  }
});

test('offsets absent from the log (transaction markers) are crossed, after a seek confirms them', async () => {
  const topic = await freshTopic('el-source-holes', 1);
  const group = uniqueName('el-source-holes-group');
  // Each committed transaction leaves a control record: offsets 5, 11, 17, 23 hold no message.
  const producer = testKafka().producer({ kafkaJS: { transactionalId: uniqueName('el-holes-tx'), idempotent: true, maxInFlightRequests: 1 } });
  await producer.connect();
  try {
    for (let t = 0; t < 4; t++) {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `tx${t}-${i}`, partition: 0 })) });
      await tx.commit();
    }
  } finally {
    await producer.disconnect();
  }
  const seen: KafkaRecord[] = [];
  const source = createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'test' },
    group, topics: [topic], pipeline: recordingPipeline(seen), logger, registry: new Registry(), role: 'test',
    commitIntervalMs: 100,
    // One record per poll: every hole falls between two batches, where a stale batch would too.
    pollBatch: 1,
  });
  source.start();
  try {
    await until(() => seen.length >= 20, 30_000, 'the 20 committed records');
    assert.deepEqual(seen.map((r) => r.offset), [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22]);
    await until(async () => (await committed(group, topic))[0] === 23, 10_000, 'commit past the last record');
  } finally {
    await source.stop();
  }
});

test('stop drains: a restarted group resumes after the last durable record, nothing lost', async () => {
  const topic = await freshTopic('el-source-restart', 1);
  const group = uniqueName('el-source-restart-group');
  const lines = Array.from({ length: 20_000 }, (_, i) => `r-${i}`);
  for (let i = 0; i < lines.length; i += 5000) await produceLines(topic, lines.slice(i, i + 5000), 0);
  const first: KafkaRecord[] = [];
  const mk = (seen: KafkaRecord[]) => createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'test' },
    group, topics: [topic], pipeline: recordingPipeline(seen), logger, registry: new Registry(), role: 'test', commitIntervalMs: 100,
    // A small in-flight bound: a drain finishes what was taken, so it must not take the whole topic.
    highWater: 500, lowWater: 250,
  });
  const a = mk(first);
  a.start();
  await until(() => first.length >= 300, 20_000, 'some records');
  await a.stop();
  const firstOffsets = new Set(first.map((r) => r.offset));
  const c = (await committed(group, topic))[0]!;
  assert.equal(c, Math.max(...firstOffsets) + 1, 'the drain committed exactly past the last durable record');
  const second: KafkaRecord[] = [];
  const b = mk(second);
  b.start();
  try {
    assert.ok(firstOffsets.size < 20_000, 'the first member stopped mid-stream');
    await until(() => firstOffsets.size + second.length >= 20_000, 30_000, 'the rest');
    assert.equal(second[0]!.offset, c, 'resumes at the committed offset');
    const all = new Set([...firstOffsets, ...second.map((r) => r.offset)]);
    assert.equal(all.size, 20_000);
  } finally {
    await b.stop();
  }
});

test('stop mid-stream leaves no partition actor behind, however late the client hands over a batch', async () => {
  const topic = await freshTopic('el-source-stop', 4);
  const group = uniqueName('el-source-stop-group');
  for (let p = 0; p < 4; p += 1) {
    for (let i = 0; i < 20_000; i += 2000) await produceLines(topic, Array.from({ length: 2000 }, (_, j) => `p${p}-${i + j}`), p);
  }
  let seen = 0;
  const source = createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'test' },
    group, topics: [topic], logger, registry: new Registry(), role: 'test', commitIntervalMs: 100, highWater: 500,
    // Durable at once: partitions drain fast while the client is still fetching the backlog.
    pipeline: (records) => records.pipe(map((r) => {
      seen += 1;
      return { offset: r.offset, count: 1 };
    })),
  });
  source.start();
  await until(() => seen >= 5000, 30_000, '5000 records');
  await source.stop();
  assert.deepEqual(source.partitions().map((p) => `${p.partition}:${p.state}`), [], 'no actor outlives stop');
});
