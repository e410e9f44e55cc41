import { RdKafka, type KafkaConsumer, type LibrdKafkaError, type TopicPartition } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { ElError } from '../../domain/errors.js';
import { classifyError } from '../../supervision/classify-error.js';
import { CONNECT_POLL_MS, clientConfig, describeRefusal, logLibrdkafka, splitConfig, withCode, type KafkaEndpoint } from './kafka-client.js';

/** What a group member's consumer is made of. */
export interface GroupConsumerOptions {
  readonly endpoint: KafkaEndpoint;
  readonly group: string;
  readonly fromBeginning?: boolean;
  readonly sessionTimeoutMs?: number;
  readonly maxBytesPerPartition?: number;
  /** Records the client keeps fetched ahead per partition (default 2,000, a poll's worth). */
  readonly prefetchRecords?: number;
  readonly logger: Logger;
  /** librdkafka's rebalance callback: an assignment (ERR__ASSIGN_PARTITIONS) or a revoke. */
  readonly onRebalance: (consumer: KafkaConsumer, error: LibrdKafkaError | undefined, assignment: TopicPartition[]) => void;
}

/** Methods the client has that its type declarations omit (lib/kafka-consumer.js). */
interface ConsumerExtras {
  setDefaultIsTimeoutOnlyForFirstMessage(value: boolean): void;
}

/** An authentication or authorisation refusal, described with the endpoint's settings (never its secrets). */
export function authFailure(endpoint: KafkaEndpoint, error: ElError): ElError {
  const code = (error.cause as { code?: number } | undefined)?.code ?? -1;
  return new ElError('EL_KAFKA_AUTH', describeRefusal(endpoint, code, error.message), { cause: error });
}

/**
 * Makes and connects a consumer-group member: offsets are stored and committed only by us, and a
 * refused login or certificate fails the connect at once (classified EL_KAFKA_AUTH).
 */
export async function connectGroupConsumer(options: GroupConsumerOptions): Promise<KafkaConsumer> {
  const { logger } = options;
  const c = new RdKafka.KafkaConsumer(...splitConfig({
    ...clientConfig({ ...options.endpoint }),
    'group.id': options.group,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'auto.offset.reset': options.fromBeginning ?? true ? 'earliest' : 'latest',
    'session.timeout.ms': options.sessionTimeoutMs ?? 30_000,
    'heartbeat.interval.ms': 3000,
    'max.partition.fetch.bytes': options.maxBytesPerPartition ?? 1_048_576,
    // A resumed partition's next fetch should not wait long behind paused ones.
    'fetch.wait.max.ms': 200,
    'queued.max.messages.kbytes': 32_768,
    // librdkafka keeps up to 100,000 records per partition fetched ahead by default; pausing a
    // backpressured partition drops them, to be fetched and decoded again, and a consumer that
    // catches up pauses once a batch. With its default fetch queue backoff (1 s) a small queue
    // stalls, so the backoff is short. Measured (same hour, alternating) for the lake bench's
    // 600,000 records: 20,000 ahead fetched 1.28 million, 2,000 fetched 0.74-0.76 million, and
    // librdkafka's thread took 0.4-0.6 s of CPU against 1.0-1.5 s; the processor bench unchanged.
    'queued.min.messages': options.prefetchRecords ?? 2000,
    'fetch.queue.backoff.ms': 20,
    'socket.keepalive.enable': true,
    // A subscribed topic that does not exist yet (valid-mixed before the first event) is
    // picked up at the next metadata refresh: every 5 minutes by default, 10 s here.
    'topic.metadata.refresh.interval.ms': 10_000,
    // The client calls it with the consumer as `this`.
    rebalance_cb: function (this: KafkaConsumer, error: LibrdKafkaError | undefined, assignment: TopicPartition[]) {
      options.onRebalance(this, error, assignment);
    } as unknown as boolean,
    // Commit outcomes (the coordinator's answers) arrive as `offset.commit` events.
    offset_commit_cb: true,
    event_cb: true,
    ...options.endpoint.client?.properties,
  }));
  c.on('event.log', (event) => logLibrdkafka(logger, event));
  c.setDefaultConsumeTimeout(100);
  (c as KafkaConsumer & ConsumerExtras).setDefaultIsTimeoutOnlyForFirstMessage(true);
  await new Promise<void>((resolve, reject) => {
    // A refused login or certificate while connect() still waits on metadata fails at once
    // instead of after the connect timeout. librdkafka hands a consumer's errors over only
    // from its poll, and nothing polls before the connection completes: poll meanwhile (the
    // binding allows it once the handle exists; with no assignment nothing is read).
    let settled = false;
    /** The poll under way, if any: the connection is handed on only after it returned. */
    let probing: Promise<void> | undefined;
    const early = (error: LibrdKafkaError | null | undefined): void => {
      if (settled || !error) return;
      const classified = classifyError(withCode(error), 'kafka');
      if (classified.code !== 'EL_KAFKA_AUTH') return;
      settled = true;
      clearInterval(poller);
      c.removeListener('event.error', early);
      try { c.disconnect(() => undefined); } catch { /* never connected */ }
      reject(authFailure(options.endpoint, classified));
    };
    const poller = setInterval(() => {
      if (probing !== undefined || settled || !c.isConnected()) return;
      probing = new Promise<void>((done) => {
        try {
          c.consume(1, (error: LibrdKafkaError | null) => {
            done();
            early(error);
          });
        } catch {
          done();
        }
      }).finally(() => { probing = undefined; });
    }, CONNECT_POLL_MS);
    c.on('event.error', early);
    c.connect({ timeout: 10_000 }, (error: LibrdKafkaError | null) => {
      clearInterval(poller);
      c.removeListener('event.error', early);
      if (settled) return;
      settled = true;
      if (error) {
        // A client that never connected throws on disconnect.
        try { c.disconnect(() => undefined); } catch { /* never connected */ }
        reject(classifyError(error, 'kafka'));
        return;
      }
      // The poll loop starts once no connect-time poll is under way.
      void (probing ?? Promise.resolve()).then(() => resolve());
    });
  });
  return c;
}
