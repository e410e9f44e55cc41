import { createWriteStream } from 'node:fs';
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { EndpointUri } from '../domain/uri.js';
import { ElError } from '../domain/errors.js';
import { createKafka } from '../kafka/kafka-client.js';
import { KeyPartitioner } from '../kafka/key-partitioner.js';


/** Where an intake writes: raw lines to one destination, and (Kafka only) messages to any topic. */
export interface IntakeOutput {
  /** Connects (Kafka); rejects when the broker cannot be reached. */
  connect(): Promise<void>;
  connected(): boolean;
  /** Sends raw lines to the output; resolves when acknowledged by every in-sync replica. */
  sendLines(lines: readonly string[]): Promise<void>;
  /** Sends JSON messages to topics in one request (Kafka only; undefined for streams). */
  readonly sendTopics?: (batches: ReadonlyArray<{ topic: string; values: readonly string[] }>) => Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the intake's output from its URI: a Kafka writer (`acks: -1`; `idempotent=true` in the
 * URI turns on the idempotent producer), or `stdout://` / `file:///path` (one line per beacon).
 */
export function openIntakeOutput(uri: EndpointUri, options: { logger: Logger; clientId: string }): IntakeOutput {
  if (uri.kind === 'kafka-writer') {
    const kafka = createKafka({ brokers: uri.brokers, clientId: options.clientId, logger: options.logger });
    const idempotent = uri.params.idempotent === 'true';
    const producer: Producer = kafka.producer({
      createPartitioner: KeyPartitioner,
      idempotent,
      // An idempotent producer keeps ordering only with at most 5 requests in flight.
      ...(idempotent && { maxInFlightRequests: 5 }),
      allowAutoTopicCreation: uri.params.auto_create !== 'false',
    });
    let isConnected = false;
    producer.on(producer.events.DISCONNECT, () => {
      isConnected = false;
    });
    const topic = uri.topic;
    return {
      async connect() {
        await producer.connect();
        isConnected = true;
      },
      connected: () => isConnected,
      async sendLines(lines) {
        await producer.send({ topic, acks: -1, messages: lines.map((value) => ({ value })) });
      },
      async sendTopics(batches) {
        const topicMessages = batches.filter((b) => b.values.length > 0).map((b) => ({ topic: b.topic, messages: b.values.map((value) => ({ value })) }));
        if (topicMessages.length > 0) await producer.sendBatch({ acks: -1, topicMessages });
      },
      async close() {
        isConnected = false;
        await producer.disconnect();
      },
    };
  }
  if (uri.kind === 'stdout' || uri.kind === 'file') {
    const stream = uri.kind === 'stdout' ? process.stdout : createWriteStream(uri.path ?? '', { flags: 'a' });
    let open = true;
    return {
      async connect() {},
      connected: () => open,
      sendLines: (lines) => new Promise<void>((resolve, reject) => {
        stream.write(`${lines.join('\n')}\n`, (error) => (error ? reject(error) : resolve()));
      }),
      async close() {
        open = false;
        if (stream !== process.stdout) await new Promise<void>((resolve) => stream.end(resolve));
      },
    };
  }
  throw new ElError('EL_CONFIG_INVALID', `an intake cannot write to a ${uri.kind} URI`);
}
