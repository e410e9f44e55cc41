import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import { CompressionTypes } from 'kafkajs';
import type { Logger } from 'pino';
import { classifyError } from '../supervision/classify-error.js';
import { KeyPartitioner } from './key-partitioner.js';
import type { ElError } from '../domain/errors.js';

/** One message to produce. */
export interface OutMessage {
  readonly topic: string;
  readonly value: string;
  readonly key?: string;
}

/** A message as text or as its UTF-8 bytes (what kafkajs and `packFrame` take). */
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

/**
 * Wraps a kafkajs producer. Messages are grouped per topic into one request; `acks: -1` means a
 * message counts as produced only when every in-sync replica has it, which is what lets the
 * processor commit the raw offset afterwards.
 */
export async function createKafkaSink(options: {
  kafka: Kafka;
  logger: Logger;
  compression?: boolean;
  /** Told when the producer connects or disconnects. */
  onConnection?: (connected: boolean) => void;
}): Promise<KafkaSink<WireMessage>> {
  const producer: Producer = options.kafka.producer({
    createPartitioner: KeyPartitioner,
    allowAutoTopicCreation: true,
    maxInFlightRequests: 5,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5000 },
  });
  let isConnected = false;
  const setConnected = (value: boolean): void => {
    if (value !== isConnected) options.onConnection?.(value);
    isConnected = value;
  };
  producer.on(producer.events.CONNECT, () => setConnected(true));
  producer.on(producer.events.DISCONNECT, () => setConnected(false));
  await producer.connect();
  setConnected(true);
  return {
    async send(messages) {
      if (messages.length === 0) return;
      const byTopic = new Map<string, TopicMessages>();
      for (const m of messages) {
        let tm = byTopic.get(m.topic);
        if (!tm) {
          tm = { topic: m.topic, messages: [] };
          byTopic.set(m.topic, tm);
        }
        tm.messages.push(m.key === undefined ? { value: m.value } : { key: m.key, value: m.value });
      }
      try {
        await producer.sendBatch({
          topicMessages: [...byTopic.values()],
          acks: -1,
          timeout: 30_000,
          ...(options.compression ? { compression: CompressionTypes.GZIP } : {}),
        });
      } catch (error) {
        throw classifyError(error, 'kafka') as ElError;
      }
    },
    connected: () => isConnected,
    async close() {
      await producer.disconnect().catch(() => undefined);
      setConnected(false);
    },
  };
}
