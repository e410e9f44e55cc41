import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

/** A kafkajs log line, as seen by observers (the consumer group supervisor watches for leader loss). */
export type KafkaLogObserver = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug',
};

/**
 * Creates a kafkajs client whose logs go to our pino logger (kafkajs' info chatter at debug) and
 * to `observe`, so supervisors can react to what kafkajs only logs (leader changes, lost brokers).
 */
export function createKafka(options: { brokers: readonly string[]; clientId: string; logger: Logger; observe?: KafkaLogObserver }): Kafka {
  const { logger, observe } = options;
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => {
      const level = LEVELS[entry.level] ?? 'debug';
      const { message, timestamp: _t, logger: _l, ...extra } = entry.log as Record<string, unknown> & { message: string };
      observe?.(level, message, extra);
      // kafkajs logs routine reconnects as errors; keep them at warn so real errors stand out.
      const target = level === 'info' ? 'debug' : level === 'error' ? 'warn' : level;
      logger[target]({ kafka: entry.namespace, ...extra }, message);
    },
  });
}
