import { RdKafka, type DeliveryReport, type LibrdKafkaError, type Producer as RdProducer } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { ElError } from '../../domain/errors.js';
import { classifyError } from '../../supervision/classify-error.js';
import { CONNECT_POLL_MS, PLAINTEXT, clientConfig, describeEndpoint, describeRefusal, logLibrdkafka, splitConfig, withCode, type KafkaEndpoint, type RdConfig } from './kafka-client.js';

/** One message to produce. */
export interface OutMessage {
  readonly topic: string;
  readonly value: string;
  readonly key?: string;
}

/** A message as text or as its UTF-8 bytes. */
export interface WireMessage {
  readonly topic: string;
  readonly value: string | Buffer;
  readonly key?: string | Buffer;
}

/** A connected producer that sends batches with acks from all in-sync replicas. */
export interface KafkaSink<M extends WireMessage = OutMessage> {
  /** Sends every message and resolves once all are acknowledged; rejects with a classified error. */
  send(messages: readonly M[]): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

/** What {@link createKafkaSink} needs. */
export interface KafkaSinkOptions {
  readonly endpoint: KafkaEndpoint;
  readonly logger: Logger;
  /** Told when the producer connects or loses every broker. */
  readonly onConnection?: (connected: boolean) => void;
  /** Told of produce requests librdkafka sent again on its own (leader moved, broker lost). */
  readonly onRetriedRequests?: (count: number) => void;
  /** Extra librdkafka properties (tests and benchmarks). */
  readonly properties?: RdConfig;
}

/** A batch waiting for its delivery reports. */
interface Pending {
  remaining: number;
  error: LibrdKafkaError | undefined;
  resolve(): void;
  reject(error: Error): void;
}

// librdkafka's own API is reached through the RdKafka namespace (the package is CommonJS).
const { Producer } = RdKafka;
type Producer = RdProducer;
const E = RdKafka.CODES.ERRORS;

/** Disconnects, ignoring a client that never connected (its disconnect throws synchronously). */
function safeDisconnect(producer: Producer): void {
  try {
    producer.disconnect(() => undefined);
  } catch { /* not connected */ }
}
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * A librdkafka producer behind the `KafkaSink` face. Idempotent (acks from all in-sync replicas,
 * no duplicate or reordered record when librdkafka retries a request after a leader moved or a
 * broker vanished), compressed with the endpoint's codec, keys placed by Java's murmur2 partitioner
 * (where Kafka's own clients put them). A batch resolves when every message has its delivery
 * report; one failed report rejects it with a classified error and the caller sends it again.
 * A fatal producer error (idempotence state lost) retires the producer: the next send starts a
 * new one.
 */
export async function createKafkaSink(options: KafkaSinkOptions): Promise<KafkaSink<WireMessage>> {
  const { logger, endpoint } = options;
  const codec = (endpoint.client ?? PLAINTEXT).codec;
  const config: RdConfig = {
    ...clientConfig(endpoint),
    'enable.idempotence': true,
    acks: 'all',
    'compression.codec': codec,
    partitioner: 'murmur2_random',
    'linger.ms': 5,
    'batch.num.messages': 10_000,
    // The roles bound what they hold in flight; librdkafka's queue must never be the limit.
    'queue.buffering.max.messages': 2_000_000,
    'queue.buffering.max.kbytes': 1_048_576,
    // A message not acknowledged within a minute fails back to the caller, which retries it.
    'message.timeout.ms': 60_000,
    'socket.keepalive.enable': true,
    'statistics.interval.ms': options.onRetriedRequests ? 5000 : 0,
    dr_cb: true,
    event_cb: true,
    ...endpoint.client?.properties,
    ...options.properties,
  };
  let isConnected = false;
  const setConnected = (value: boolean): void => {
    if (value !== isConnected) options.onConnection?.(value);
    isConnected = value;
  };

  let current: Promise<Producer> | undefined;
  let closed = false;
  const pending = new Set<Pending>();

  function open(): Promise<Producer> {
    const producer = new Producer(...splitConfig(config));
    let retriedSeen = 0;
    producer.on('delivery-report', (error: LibrdKafkaError | null, report: DeliveryReport) => {
      const batch = report.opaque as Pending | undefined;
      if (batch === undefined) return;
      if (error) {
        batch.error ??= error;
        // A message that timed out or found no broker: not ready until a delivery succeeds.
        if (error.code === E.ERR__MSG_TIMED_OUT || error.code === E.ERR__TRANSPORT || error.code === E.ERR__ALL_BROKERS_DOWN) setConnected(false);
      } else if (!isConnected) setConnected(true);
      batch.remaining -= 1;
      if (batch.remaining === 0) {
        pending.delete(batch);
        if (batch.error) batch.reject(classifyError(batch.error, 'kafka'));
        else batch.resolve();
      }
    });
    producer.on('event.error', (reported: LibrdKafkaError) => {
      const error = withCode(reported);
      if (error.code === E.ERR__ALL_BROKERS_DOWN) setConnected(false);
      const classified = classifyError(error, 'kafka');
      logger.warn({ code: classified.code, kafkaCode: error.code, brokers: describeEndpoint(endpoint) }, `Kafka producer: ${error.message}`);
      if (error.isFatal) retire(producer, classified);
    });
    producer.on('event.log', (event) => logLibrdkafka(logger, event));
    if (options.onRetriedRequests) {
      producer.on('event.stats', (event: { message: string }) => {
        // txretries: requests librdkafka sent again, summed over brokers since the producer began.
        const stats = JSON.parse(event.message) as { brokers?: Record<string, { txretries?: number }> };
        const total = Object.values(stats.brokers ?? {}).reduce((sum, b) => sum + (b.txretries ?? 0), 0);
        if (total > retriedSeen) options.onRetriedRequests?.(total - retriedSeen);
        retriedSeen = total;
      });
    }
    return new Promise<Producer>((resolve, reject) => {
      // A refused login or certificate while connect() still waits on metadata fails at once,
      // with what an operator needs (brokers, protocol, mechanism, cause). librdkafka hands its
      // error events over only when the client is polled, and nothing polls before the
      // connection completes: poll meanwhile (the binding allows it once the handle exists).
      const poller = setInterval(() => {
        try {
          if (producer.isConnected()) producer.poll();
        } catch { /* the handle is not there yet, or already gone */ }
      }, CONNECT_POLL_MS);
      const early = (error: LibrdKafkaError): void => {
        if (classifyError(withCode(error), 'kafka').code !== 'EL_KAFKA_AUTH') return;
        clearInterval(poller);
        producer.removeListener('event.error', early);
        safeDisconnect(producer);
        reject(new ElError('EL_KAFKA_AUTH', describeRefusal(endpoint, error.code, error.message), { cause: error }));
      };
      producer.on('event.error', early);
      producer.connect({ timeout: CONNECT_TIMEOUT_MS }, (error) => {
        clearInterval(poller);
        producer.removeListener('event.error', early);
        if (error) {
          safeDisconnect(producer);
          reject(new ElError('EL_KAFKA_UNAVAILABLE', `Kafka producer cannot reach ${describeEndpoint(endpoint)}: ${error.message}`, { cause: classifyError(error, 'kafka') }));
          return;
        }
        producer.setPollInBackground(true);
        setConnected(true);
        resolve(producer);
      });
    });
  }

  function retire(producer: Producer, error: ElError): void {
    logger.error({ err: error }, 'Kafka producer failed fatally; a new producer takes over');
    current = undefined;
    setConnected(false);
    // Batches still waiting on this producer will never be reported: fail them, the caller retries.
    for (const batch of pending) batch.reject(error);
    pending.clear();
    safeDisconnect(producer);
  }

  function producer(): Promise<Producer> {
    if (current === undefined) {
      current = open();
      current.catch(() => { current = undefined; });
    }
    return current;
  }

  await producer();

  return {
    async send(messages) {
      if (messages.length === 0) return;
      if (closed) throw new ElError('EL_KAFKA_UNAVAILABLE', 'Kafka producer is closed');
      const p = await producer();
      await new Promise<void>((resolve, reject) => {
        const batch: Pending = { remaining: messages.length, error: undefined, resolve, reject };
        pending.add(batch);
        let queued = 0;
        try {
          // A capsule goes to its schema topic and the mixed topic as one shared string, one
          // message after the other: encode it once (encoding was 8 % of the processor's thread).
          let lastText: string | undefined;
          let lastBytes: Buffer | undefined;
          for (const m of messages) {
            let value: Buffer;
            if (typeof m.value !== 'string') value = m.value;
            else if (m.value === lastText) value = lastBytes!;
            else {
              value = Buffer.from(m.value);
              lastText = m.value;
              lastBytes = value;
            }
            p.produce(m.topic, null, value, m.key ?? null, null, batch);
            queued += 1;
          }
        } catch (error) {
          // The local queue refused a message (full, or an unknown topic name): what was queued
          // is still delivered and reported; the rest of the batch fails now.
          batch.error ??= error as LibrdKafkaError;
          batch.remaining -= messages.length - queued;
          if (batch.remaining === 0) {
            pending.delete(batch);
            reject(classifyError(error, 'kafka'));
          }
        }
      });
    },
    connected: () => isConnected,
    async close() {
      closed = true;
      const p = await current?.catch(() => undefined);
      if (p === undefined) return;
      await new Promise<void>((resolve) => p.flush(30_000, () => resolve()));
      await new Promise<void>((resolve) => p.disconnect(() => resolve()));
      setConnected(false);
    },
  };
}
