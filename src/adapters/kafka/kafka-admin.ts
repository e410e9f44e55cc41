/**
 * What the KafkaJS-style admin of `kafka-client.ts` cannot do: commit a consumer group's offsets
 * (`kafka-consumer-groups --reset-offsets --execute`), for `offsets reset` and tests. It commits
 * through librdkafka's own consumer, outside any generation of the group: the broker accepts that
 * only while the group has no live member (otherwise it answers UNKNOWN_MEMBER_ID or
 * ILLEGAL_GENERATION, classified `EL_KAFKA_REBALANCING`).
 */
// Only `KafkaJS` and `RdKafka` are named exports Node's ESM loader finds in this CommonJS package.
import { RdKafka, type LibrdKafkaError } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { ElError } from '../../domain/errors.js';
import { classifyError } from '../../supervision/classify-error.js';
import { clientConfig, describeEndpoint, logLibrdkafka, type KafkaEndpoint } from './kafka-client.js';

/** The offset a group resumes `topic`/`partition` from (the next offset it reads). */
export interface GroupOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** `commitCb` is on librdkafka's consumer, not in its type declarations. */
interface CommitWithCallback {
  commitCb(offsets: Array<{ topic: string; partition: number; offset: number }>, cb: (error: LibrdKafkaError | null) => void): void;
}

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Commits `offsets` for `group` and resolves once the coordinator has acknowledged every one.
 * Rejects with a classified error (`classifyError(error, 'kafka')`): the connect's, or the
 * commit's (the broker's code for a refused partition), or `EL_TIMEOUT` after `timeoutMs`.
 */
export async function commitGroupOffsets(
  endpoint: KafkaEndpoint,
  group: string,
  offsets: readonly GroupOffset[],
  logger: Logger,
  timeoutMs = 30_000,
): Promise<void> {
  if (offsets.length === 0) return;
  const consumer = new RdKafka.KafkaConsumer({
    ...clientConfig(endpoint),
    'group.id': group,
    'enable.auto.commit': false,
    // commitCb only queues the commit; its outcome comes back through this callback, which
    // librdkafka serves from the consumer's poll.
    offset_commit_cb: true,
    event_cb: true,
  }, {});
  consumer.on('event.log', (event) => logLibrdkafka(logger, event));
  consumer.on('event.error', (error) => logger.debug({ kafkaCode: error.code }, `Kafka offset commit: ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    consumer.connect({ timeout: CONNECT_TIMEOUT_MS, allTopics: false }, (error) => (error ? reject(classifyError(error, 'kafka')) : resolve()));
  });
  let polling: Promise<void> = Promise.resolve();
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => settle(new ElError('EL_TIMEOUT',
        `committing offsets of group ${group} on ${describeEndpoint(endpoint)}: no answer within ${timeoutMs} ms`)), timeoutMs);
      // One result for the one commit: its error is set when any partition was refused.
      consumer.once('offset.commit', (error: LibrdKafkaError | null | undefined) => settle(error ? classifyError(error, 'kafka') : undefined));
      try {
        (consumer as unknown as CommitWithCallback).commitCb(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })), (error) => {
          if (error) settle(classifyError(error, 'kafka'));
        });
      } catch (error) {
        settle(classifyError(error, 'kafka'));
        return;
      }
      // Nothing is assigned, so polling reads no record; it only serves the commit's result.
      consumer.setDefaultConsumeTimeout(100);
      const poll = (): void => {
        if (settled) return;
        polling = new Promise<void>((done) => consumer.consume(1, () => done())).then(poll);
      };
      poll();
    });
  } finally {
    // A poll still under way must return before the consumer is closed under it.
    await polling.catch(() => undefined);
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
