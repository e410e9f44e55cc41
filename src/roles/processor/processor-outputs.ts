/**
 * The processor's outputs: where each routed message goes. Kafka outputs share one producer per
 * broker list (acks from all in-sync replicas); `stdout://` and `file:///path` outputs get one
 * JSON line per message. The writer is a `KafkaSink`, so `produce` drives every kind the same way
 * and marks offsets durable only after every output has the batch.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { ElError } from '../../domain/errors.js';
import type { KafkaEndpoint } from '../../adapters/kafka/kafka-client.js';
import { createKafkaSink, type KafkaSink, type OutMessage } from '../../adapters/kafka/kafka-producer.js';
import type { RoutedMessage } from '../../streams/route.js';
import type { RoutePlan } from './route-plan.js';

/** What {@link openProcessorOutputs} needs. */
export interface OutputDeps {
  readonly logger: Logger;
  readonly clientId: string;
  /** Standard output, for `stdout://`. */
  readonly stdout: NodeJS.WritableStream;
  /** Replaces the Kafka producer for Kafka outputs (tests): returns a connected sink for an endpoint. */
  readonly connectKafka?: (endpoint: KafkaEndpoint) => Promise<KafkaSink>;
  /** Told of produce requests the Kafka client sent again on its own. */
  readonly onProducerRetry?: (requests: number) => void;
}

interface StreamTarget {
  readonly stream: NodeJS.WritableStream;
  readonly owned: boolean;
}

/** Writes `text` and resolves once the stream has handed it on (its write callback), which bounds memory. */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    stream.write(text, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/**
 * Opens every endpoint of a plan and returns one writer for them all. Kafka producers connect
 * here (rejecting with a classified error when the brokers are unreachable; the caller retries).
 */
export async function openProcessorOutputs(plan: RoutePlan, deps: OutputDeps): Promise<KafkaSink> {
  const streams = new Map<number, StreamTarget>();
  const kafkaByIndex = new Map<number, KafkaSink>();
  const sinksByBrokers = new Map<string, KafkaSink>();
  const connect = deps.connectKafka ?? ((endpoint: KafkaEndpoint) => createKafkaSink({
    endpoint, logger: deps.logger, ...(deps.onProducerRetry && { onRetriedRequests: deps.onProducerRetry }),
  }));
  try {
    for (const [index, uri] of plan.endpoints.entries()) {
      if (uri.kind === 'kafka-writer') {
        // Outputs on one cluster with the same client options share one producer.
        const key = JSON.stringify([[...uri.brokers].sort(), uri.client]);
        let sink = sinksByBrokers.get(key);
        if (sink === undefined) {
          sink = await connect({ brokers: uri.brokers, clientId: deps.clientId, client: uri.client });
          sinksByBrokers.set(key, sink);
        }
        kafkaByIndex.set(index, sink);
      } else if (uri.kind === 'stdout') {
        streams.set(index, { stream: deps.stdout, owned: false });
      } else if (uri.kind === 'file') {
        const stream = createWriteStream(uri.path!, { flags: 'a' });
        await once(stream, 'open');
        streams.set(index, { stream, owned: true });
      } else {
        throw new ElError('EL_CONFIG_INVALID', `a processor cannot write to ${uri.kind}`);
      }
    }
  } catch (error) {
    await Promise.all([...sinksByBrokers.values()].map((s) => s.close()));
    for (const t of streams.values()) if (t.owned) t.stream.end();
    throw error;
  }
  const onlySink = sinksByBrokers.size === 1 && streams.size === 0 ? [...sinksByBrokers.values()][0] : undefined;

  return {
    async send(messages: readonly OutMessage[]) {
      if (messages.length === 0) return;
      // The common production case: every output on one cluster.
      if (onlySink !== undefined) return onlySink.send(messages);
      const lines = new Map<NodeJS.WritableStream, string[]>();
      const perSink = new Map<KafkaSink, OutMessage[]>();
      for (const m of messages) {
        const index = (m as RoutedMessage).output ?? 0;
        const target = streams.get(index);
        if (target !== undefined) {
          let l = lines.get(target.stream);
          if (l === undefined) lines.set(target.stream, (l = []));
          l.push(m.value);
          continue;
        }
        const sink = kafkaByIndex.get(index);
        if (sink === undefined) throw new ElError('EL_INTERNAL', `message routed to unknown output ${index}`);
        let list = perSink.get(sink);
        if (list === undefined) perSink.set(sink, (list = []));
        list.push(m);
      }
      await Promise.all([
        ...[...lines].map(([stream, l]) => write(stream, `${l.join('\n')}\n`)),
        ...[...perSink].map(([sink, list]) => sink.send(list)),
      ]);
    },
    connected: () => [...sinksByBrokers.values()].every((s) => s.connected()),
    async close() {
      await Promise.all([...sinksByBrokers.values()].map((s) => s.close()));
      await Promise.all([...streams.values()].filter((t) => t.owned).map(async (t) => {
        t.stream.end();
        await once(t.stream, 'finish').catch(() => undefined);
      }));
    },
  };
}
