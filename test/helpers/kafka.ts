/**
 * Test helpers for the real Kafka started by `scripts/kafka up`. Every helper opens its own
 * client (librdkafka, through the project's adapter) and closes it before returning, so a test
 * never leaks sockets or timers.
 */
import { randomUUID } from 'node:crypto';
import { RdKafka, type KafkaJS } from '@confluentinc/kafka-javascript';
import { pino } from 'pino';
import { commitGroupOffsets } from '../../src/adapters/kafka/kafka-admin.js';
import { clientConfig, createKafka } from '../../src/adapters/kafka/kafka-client.js';

/** Bootstrap brokers for integration tests: `EL_KAFKA_BROKERS` (comma-separated) or 127.0.0.1:9092. */
export const BROKERS: readonly string[] = (process.env.EL_KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

/** The Kafka clients' log lines go nowhere unless TEST_LOG_LEVEL asks for them. */
const quiet = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A quiet KafkaJS-style client for tests (plaintext), as the operator commands create theirs. */
export function testKafka(brokers: readonly string[] = BROKERS, clientId = 'el-test'): KafkaJS.Kafka {
  return createKafka({ brokers, clientId }, quiet);
}

/**
 * A producer (not yet connected) that waits for every in-sync replica and never creates topics.
 * Messages without a partition are placed by key as Java clients place them (murmur2; random
 * without a key). The caller connects and disconnects it.
 */
export function testProducer(brokers: readonly string[] = BROKERS, clientId = 'el-test-producer'): KafkaJS.Producer {
  return testKafka(brokers, clientId).producer({
    kafkaJS: { acks: -1, allowAutoTopicCreation: false },
    partitioner: 'murmur2_random',
    // Each send is awaited on its own: do not hold it back to batch.
    'linger.ms': 0,
  });
}

/** A topic or group name no other test (or earlier run) has used: `<prefix>-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe}-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
}

/**
 * Creates a uniquely named topic and waits until every partition has a leader.
 * @returns the topic name
 */
export async function freshTopic(
  prefix: string,
  partitions = 1,
  replicationFactor = 1,
  brokers: readonly string[] = BROKERS,
): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor }],
      timeout: 30_000,
    });
    if (!created) throw new Error(`topic ${topic} already existed`);
  } finally {
    await admin.disconnect();
  }
  // On a multi-broker cluster a broker that has not yet applied the new metadata answers
  // UNKNOWN_TOPIC_OR_PARTITION. Ask through every broker, so that a later client, whichever
  // broker it bootstraps from, finds the topic with its leaders.
  await Promise.all(brokers.map((broker) => awaitTopicOn(broker, topic, partitions)));
  return topic;
}

/** Polls through one broker until it lists `partitions` partitions of `topic`, each with a leader. */
async function awaitTopicOn(broker: string, topic: string, partitions: number): Promise<void> {
  const admin = testKafka([broker]).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const [described] = await admin.fetchTopicMetadata({ topics: [topic] });
        const parts = described?.partitions ?? [];
        if (parts.length === partitions && parts.every((p) => p.leader >= 0)) return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`topic ${topic}: ${broker} lists no leader for every partition after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Produces each line as one message value (acks from all in-sync replicas), optionally to one partition. */
export async function produceLines(
  topic: string,
  lines: readonly string[],
  partition?: number,
  brokers: readonly string[] = BROKERS,
): Promise<void> {
  const producer = testProducer(brokers);
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: lines.map((value) => (partition === undefined ? { value } : { value, partition })),
    });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `count` messages arrived.
 * Rejects (after closing the consumer) if fewer arrived within `timeoutMs`; the error says how many.
 * @returns the message values as UTF-8 strings, in arrival order (per-partition order is kept)
 */
export async function consumeAll(
  topic: string,
  count: number,
  timeoutMs = 30_000,
  brokers: readonly string[] = BROKERS,
): Promise<string[]> {
  const consumer = testKafka(brokers).consumer({
    kafkaJS: { groupId: uniqueName('el-test-group'), allowAutoTopicCreation: false, fromBeginning: true },
  });
  const values: string[] = [];
  let done!: () => void;
  const enough = new Promise<void>((resolve) => {
    done = resolve;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`consumeAll(${topic}): ${values.length}/${count} messages after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value === null ? '' : message.value.toString('utf8'));
        // Resolve only; disconnecting from inside eachMessage would wait on itself.
        if (values.length >= count) done();
      },
    });
    if (count > 0) await Promise.race([enough, timedOut]);
    // Everything that arrived, so a test asserting exact values also sees unexpected extras.
    return [...values];
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

/** A message as read back: its partition, key (null when it had none) and value, as UTF-8. */
export interface ReadMessage {
  readonly partition: number;
  readonly key: string | null;
  readonly value: string;
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `count` messages arrived,
 * keeping partitions and keys (`consumeAll` keeps values only). Rejects after `timeoutMs` naming
 * how many arrived.
 */
export async function consumeMessages(topic: string, count: number, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const consumer = testKafka().consumer({ kafkaJS: { groupId: uniqueName('el-test-read'), fromBeginning: true } });
  const seen: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} messages on ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.push({ partition, key: message.key === null ? null : message.key.toString(), value: message.value?.toString() ?? '' });
          if (seen.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** The sum over partitions of `group`'s committed offsets on `topic` (0 for a partition without a commit). */
export async function committedTotal(group: string, topic: string, brokers: readonly string[] = BROKERS): Promise<number> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Messages on a topic (sum of partition high watermarks); 0 while it does not exist. */
export async function topicSize(topic: string, brokers: readonly string[] = BROKERS): Promise<number> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high), 0);
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

/** Members of a consumer group that hold at least one partition. */
export async function membersWithPartitions(group: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    const g = groups[0];
    if (g === undefined || g.error || g.state !== RdKafka.ConsumerGroupStates.STABLE) return 0;
    return g.members.filter((m) => (m.assignment?.topicPartitions ?? []).length > 0).length;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sets `group`'s committed offsets on `topic` (what `kafka-consumer-groups --reset-offsets
 * --execute` does; the group must have no live member).
 */
export async function setGroupOffsets(
  group: string,
  topic: string,
  partitions: ReadonlyArray<{ readonly partition: number; readonly offset: number }>,
  brokers: readonly string[] = BROKERS,
): Promise<void> {
  await commitGroupOffsets({ brokers, clientId: 'el-test-offsets' }, group, partitions.map((p) => ({ topic, ...p })), quiet);
}

/** Moves `group` back to the start of every partition of `topic` (the group must have no live member). */
export async function resetGroupToEarliest(group: string, topic: string, brokers: readonly string[] = BROKERS): Promise<void> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  let edges: Array<{ partition: number; low: string }>;
  try {
    edges = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  await setGroupOffsets(group, topic, edges.map((e) => ({ partition: e.partition, offset: Number(e.low) })), brokers);
}

/** A broker of the cluster, as the cluster's metadata lists it. */
export interface ClusterBroker {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** The brokers the cluster lists (its metadata, asked through `brokers`), sorted by id. */
export async function clusterBrokers(brokers: readonly string[] = BROKERS): Promise<ClusterBroker[]> {
  const producer = new RdKafka.Producer({ ...clientConfig({ brokers, clientId: 'el-test-metadata' }), 'allow.auto.create.topics': false, log_level: 0 });
  try {
    const metadata = await new Promise<{ brokers: ClusterBroker[] }>((resolve, reject) => {
      producer.connect({ timeout: 10_000, allTopics: false }, (error, data) => (error ? reject(error) : resolve(data)));
    });
    return metadata.brokers.map((b) => ({ id: b.id, host: b.host, port: b.port })).sort((a, b) => a.id - b.id);
  } finally {
    if (producer.isConnected()) await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}
