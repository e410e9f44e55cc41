import { createWriteStream, type WriteStream } from 'node:fs';
import type { Logger } from 'pino';
import type { EndpointUri } from '../../domain/config/uri.js';
import { createKafkaSink, type KafkaSink } from '../kafka/kafka-producer.js';

/** Somewhere JSON events are written durably: a Kafka topic (template), stdout, or a file. */
export interface EventOutput {
  /** Writes every event; resolves once they are durable (acknowledged, or flushed to the stream). */
  write(events: ReadonlyArray<{ readonly schema?: string; readonly json: string }>): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Opens an output URI for JSON events, one per line or message. Kafka topics may be templates
 * (`eventlogging_{schema}`), resolved per event.
 */
export async function openEventOutput(uri: EndpointUri, options: { logger: Logger; clientId: string; stdout?: NodeJS.WritableStream }): Promise<EventOutput> {
  if (uri.kind === 'kafka-writer') {
    const sink: KafkaSink = await createKafkaSink({ endpoint: { brokers: uri.brokers, clientId: options.clientId, client: uri.client }, logger: options.logger });
    return {
      write: (events) => sink.send(events.map((e) => ({ topic: uri.topic.replace('{schema}', e.schema ?? 'unknown'), value: e.json }))),
      connected: () => sink.connected(),
      close: () => sink.close(),
    };
  }
  if (uri.kind === 'stdout' || uri.kind === 'file') {
    const stream: NodeJS.WritableStream = uri.kind === 'stdout' ? (options.stdout ?? process.stdout) : createWriteStream(uri.path!, { flags: 'a' });
    return {
      write: (events) => (events.length ? writeAll(stream, events.map((e) => `${e.json}\n`).join('')) : Promise.resolve()),
      connected: () => true,
      close: async () => {
        if (uri.kind === 'file') await new Promise<void>((resolve) => (stream as WriteStream).end(resolve));
      },
    };
  }
  throw new Error(`${uri.kind} is not an event output`);
}
