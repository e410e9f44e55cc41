/**
 * Kafka's numeric error codes by name, for the ones a producer meets. The name is what
 * `classifyError` reads (as kafkajs errors carry it in `type`), so a broker's answer is classified
 * by the same table as every other Kafka failure.
 */
import { ElError } from '../../domain/errors.js';
import { classifyError } from '../../supervision/classify-error.js';

const NAMES: Readonly<Record<number, string>> = {
  1: 'OFFSET_OUT_OF_RANGE', 2: 'CORRUPT_MESSAGE', 3: 'UNKNOWN_TOPIC_OR_PARTITION', 5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER', 7: 'REQUEST_TIMED_OUT', 8: 'BROKER_NOT_AVAILABLE', 9: 'REPLICA_NOT_AVAILABLE',
  10: 'MESSAGE_TOO_LARGE', 13: 'NETWORK_EXCEPTION', 17: 'INVALID_TOPIC_EXCEPTION', 18: 'RECORD_LIST_TOO_LARGE',
  19: 'NOT_ENOUGH_REPLICAS', 20: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 21: 'INVALID_REQUIRED_ACKS',
  29: 'TOPIC_AUTHORIZATION_FAILED', 31: 'CLUSTER_AUTHORIZATION_FAILED', 35: 'UNSUPPORTED_VERSION',
  43: 'UNSUPPORTED_FOR_MESSAGE_FORMAT', 45: 'OUT_OF_ORDER_SEQUENCE_NUMBER', 74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH', 87: 'INVALID_RECORD', 89: 'THROTTLING_QUOTA_EXCEEDED',
};

/** The name of a Kafka error code (`KAFKA_ERROR_<n>` for codes not listed). */
export function kafkaErrorName(code: number): string {
  return NAMES[code] ?? `KAFKA_ERROR_${code}`;
}

/** A broker's error code for one topic partition, classified. */
export function kafkaError(code: number, where: { topic: string; partition?: number; broker?: string }): ElError {
  const type = kafkaErrorName(code);
  const at = where.partition === undefined ? where.topic : `${where.topic}[${where.partition}]`;
  const cause = Object.assign(new Error(`${type} (${code}) for ${at}${where.broker ? ` from ${where.broker}` : ''}`), { type });
  const { code: classified } = classifyError(cause, 'kafka');
  return new ElError(classified, cause.message, { cause, details: { kafkaError: type, ...where } });
}
