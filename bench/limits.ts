/**
 * Limits of this machine, measured in the same run as the pipeline figures they are compared with:
 * - the processor's domain path alone (parse, decode, validate, capsule, serialise) on one core;
 * - the Kafka client (librdkafka, KafkaJS-style API) producing the same raw lines (acks -1),
 *   consuming them, and copying them from one topic to another (consume, produce, commit behind
 *   the acks: the processor with no processing);
 * the raw mysql2 multi-row INSERT IGNORE limit comes from bench/consumer.ts.
 *
 *   node --import tsx bench/limits.ts [EVENTS]     prints the JSON
 */
import { RdKafka } from '@confluentinc/kafka-javascript';
import { freshTopic, testKafka, testProducer, uniqueName } from '../test/helpers/kafka.js';
import { benchLines, domainRate } from './processor-pipe.js';
import { fillRawTopic } from './lib/processor-kafka-run.js';
import { sendRoundRobin } from './lib/infra.js';

/** Limits measured by `measureLimits`. */
export interface LimitsResult {
  readonly events: number;
  readonly bytesPerEvent: number;
  readonly domainEventsPerSec: number;
  readonly kafkaProduceEventsPerSec: number;
  readonly kafkaConsumeEventsPerSec: number;
  readonly kafkaCopyEventsPerSec: number;
}

/** Produces `lines` to a fresh topic with `partitions` in 1000-message batches, up to 8 in flight; returns events/s. */
async function produceRate(lines: readonly string[], partitions: number): Promise<number> {
  const topic = await freshTopic('bench-limit-produce', partitions);
  const producer = testProducer();
  await producer.connect();
  const started = performance.now();
  await sendRoundRobin(producer, topic, lines, partitions);
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return lines.length / seconds;
}

/**
 * Reads `count` messages of `topic` from the beginning with a fresh group; with `copyTo`, produces
 * every batch there (acks -1) and commits behind the ack. Returns events/s from the group join.
 */
async function consumeRate(topic: string, count: number, copyTo?: string): Promise<number> {
  const kafka = testKafka();
  let firstAt = 0;
  const consumer = kafka.consumer({
    kafkaJS: { groupId: uniqueName('bench-limit-group'), allowAutoTopicCreation: false, maxBytes: 10 * 1024 * 1024, fromBeginning: true, autoCommit: copyTo === undefined },
    // Batches as large as a produce request (the default is 32 messages).
    'js.consumer.max.batch.size': 1000,
    // The clock starts when the group assigns the partitions (returning nothing keeps the default assignment).
    rebalance_cb: (error: { code: number }) => {
      if (error.code === RdKafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS && firstAt === 0) firstAt = performance.now();
    },
  });
  const producer = testProducer();
  if (copyTo) await producer.connect();
  let seen = 0;
  let doneAt = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => { resolveDone = resolve; });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      if (copyTo) {
        await producer.send({ topic: copyTo, messages: batch.messages.map((m) => ({ value: m.value, partition: batch.partition })) });
        resolveOffset(batch.lastOffset());
        await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
      } else {
        resolveOffset(batch.lastOffset());
        await commitOffsetsIfNecessary();
      }
      seen += batch.messages.length;
      if (seen >= count && doneAt === 0) { doneAt = performance.now(); resolveDone(); }
    },
  });
  await done;
  await consumer.disconnect();
  if (copyTo) await producer.disconnect();
  return count / ((doneAt - firstAt) / 1000);
}

/** Measures the limits on `count` generated raw lines over `partitions` partitions. */
export async function measureLimits(count: number, partitions = 4): Promise<LimitsResult> {
  const lines = benchLines(count);
  const domain = await domainRate(lines);
  const kafkaProduceEventsPerSec = await produceRate(lines, partitions);
  const raw = await fillRawTopic('bench-limit-raw', lines, partitions);
  const kafkaConsumeEventsPerSec = await consumeRate(raw, count);
  const copy = await freshTopic('bench-limit-copy', partitions);
  const kafkaCopyEventsPerSec = await consumeRate(raw, count, copy);
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  return { events: count, bytesPerEvent: bytes / count, domainEventsPerSec: domain.rate, kafkaProduceEventsPerSec, kafkaConsumeEventsPerSec, kafkaCopyEventsPerSec };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measureLimits(Number(process.argv[2] ?? 200_000));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
