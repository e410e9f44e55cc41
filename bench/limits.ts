/**
 * Limits of this machine, measured in the same run as the pipeline figures they are compared with:
 * - the processor's domain path alone (parse, decode, validate, capsule, serialise) on one core;
 * - the Kafka client (librdkafka, KafkaJS-style API) producing the same raw lines (acks -1),
 *   consuming them, and copying them from one topic to another (consume, produce, commit behind
 *   the acks: the processor with no processing);
 * - kcat (librdkafka's own C client, no JavaScript) producing the same lines with the same
 *   settings (acks -1, idempotent, lz4) and consuming them: the ceiling of the engine itself, so
 *   the gap between it and the JavaScript client is the binding's cost;
 * the raw mysql2 multi-row INSERT IGNORE limit comes from bench/consumer.ts.
 *
 *   node --import tsx bench/limits.ts [EVENTS]     prints the JSON
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RdKafka } from '@confluentinc/kafka-javascript';
import { BROKERS, freshTopic, testKafka, testProducer, uniqueName } from '../test/helpers/kafka.js';
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
  /** kcat producing and consuming the same lines (null when kcat is not installed). */
  readonly kcatProduceEventsPerSec: number | null;
  readonly kcatConsumeEventsPerSec: number | null;
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

/** Runs kcat with `args`, stdout discarded; resolves with the seconds it took. */
function timeKcat(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('kcat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

/** kcat's produce and consume rates for `lines` (one message per line) over `partitions` partitions. */
async function kcatRates(lines: readonly string[], partitions: number): Promise<{ produce: number; consume: number } | null> {
  if (spawnSync('kcat', ['-V']).status !== 0) return null;
  const topic = await freshTopic('bench-limit-kcat', partitions);
  const file = join(mkdtempSync(join(tmpdir(), 'el-bench-kcat-')), 'lines');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const broker = BROKERS.join(',');
  const produceSeconds = await timeKcat(['-P', '-b', broker, '-t', topic, '-X', 'acks=all', '-X', 'enable.idempotence=true',
    '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-z', 'lz4', '-l', file]);
  const consumeSeconds = await timeKcat(['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-c', String(lines.length)]);
  return { produce: lines.length / produceSeconds, consume: lines.length / consumeSeconds };
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
  const kcat = await kcatRates(lines, partitions);
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l), 0);
  return {
    events: count, bytesPerEvent: bytes / count, domainEventsPerSec: domain.rate, kafkaProduceEventsPerSec, kafkaConsumeEventsPerSec, kafkaCopyEventsPerSec,
    kcatProduceEventsPerSec: kcat?.produce ?? null, kcatConsumeEventsPerSec: kcat?.consume ?? null,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measureLimits(Number(process.argv[2] ?? 200_000));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
