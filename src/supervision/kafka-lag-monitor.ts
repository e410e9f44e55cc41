import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KafkaClientOptions } from '../domain/config/kafka-options.js';
import { kafkaLagIo } from '../adapters/kafka/kafka-lag-io.js';
import { createLagMonitor } from './lag-monitor.js';
import type { LagMonitor, LagMonitorOptions } from './lag-monitor-api.js';

/**
 * The daemon's lag monitor on the Kafka cluster the roles read: the admin client is created from
 * the brokers (and client options) of the first role that reports a source (roles parse their own
 * URIs), so the daemon needs no separate broker setting. Heads are read as empty until then.
 */
export function createKafkaLagMonitor(options: {
  readonly createKafka: (brokers: readonly string[], client?: KafkaClientOptions) => KafkaJS.Kafka;
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly cluster?: string;
  readonly now?: () => number;
  readonly watchGroups?: readonly string[];
} & Pick<LagMonitorOptions, 'intervals' | 'minDistanceMs' | 'allowedLag' | 'minimumComplete' | 'pollIntervalMs' | 'evaluateEveryMs'>): LagMonitor {
  let io: ReturnType<typeof kafkaLagIo> | undefined;
  const monitor = createLagMonitor({
    ...options,
    cluster: options.cluster ?? 'eventlogging',
    now: options.now ?? Date.now,
    fetchHeads: async (topic) => (io ? io.fetchHeads(topic) : new Map()),
    fetchGroupOffsets: async (group) => (io ? io.fetchGroupOffsets(group) : []),
    close: async () => { await io?.close(); },
  });
  return {
    ...monitor,
    hookFor: (role) => monitor.hookFor(role, (brokers, client) => {
      io ??= kafkaLagIo(options.createKafka(brokers, client));
    }),
  };
}
