import { createWriteStream } from 'node:fs';
import type { Logger } from 'pino';
import type { EndpointUri } from '../../domain/config/uri.js';
import { ElError } from '../../domain/errors.js';
import { createKafkaSink, type KafkaSink, type WireMessage } from '../../adapters/kafka/kafka-producer.js';

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
 * Opens the intake's output from its URI: a Kafka writer (the idempotent producer of
 * `createKafkaSink`: acks from every in-sync replica, the URI's codec), or `stdout://` /
 * `file:///path` (one line per beacon).
 */
export function openIntakeOutput(uri: EndpointUri, options: { logger: Logger; clientId: string }): IntakeOutput {
  if (uri.kind === 'kafka-writer') {
    let sink: KafkaSink<WireMessage> | undefined;
    const topic = uri.topic;
    const live = (): KafkaSink<WireMessage> => {
      if (sink === undefined) throw new ElError('EL_KAFKA_UNAVAILABLE', 'the intake output is not connected');
      return sink;
    };
    return {
      async connect() {
        sink ??= await createKafkaSink({
          endpoint: { brokers: uri.brokers, clientId: options.clientId, client: uri.client },
          logger: options.logger,
          // auto_create=false: a topic must exist beforehand (the broker's own setting also applies).
          properties: { 'allow.auto.create.topics': uri.params.auto_create !== 'false' },
        });
      },
      connected: () => sink?.connected() ?? false,
      sendLines: (lines) => live().send(lines.map((value) => ({ topic, value }))),
      sendTopics: (batches) => live().send(batches.flatMap((b) => b.values.map((value) => ({ topic: b.topic, value })))),
      async close() {
        const s = sink;
        sink = undefined;
        await s?.close();
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
