import { RdKafka } from '@confluentinc/kafka-javascript';
import { ElError, type ErrorCode } from '../domain/errors.js';

// librdkafka error codes (the client's own, on every error it reports: `error.code`), by how they
// are handled. Negative codes are librdkafka's local ones, positive codes the broker's protocol codes.
const K = RdKafka.CODES.ERRORS;
const KAFKA_LEADER = new Set<number>([
  K.ERR_NOT_LEADER_FOR_PARTITION, K.ERR_LEADER_NOT_AVAILABLE, K.ERR_FENCED_LEADER_EPOCH, K.ERR_UNKNOWN_LEADER_EPOCH,
  K.ERR_REPLICA_NOT_AVAILABLE, K.ERR_NOT_COORDINATOR_FOR_GROUP, K.ERR_COORDINATOR_NOT_AVAILABLE, K.ERR__UNKNOWN_PARTITION,
  K.ERR_NOT_ENOUGH_REPLICAS, K.ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
]);
const KAFKA_REJOIN = new Set<number>([K.ERR_REBALANCE_IN_PROGRESS, K.ERR_ILLEGAL_GENERATION, K.ERR_UNKNOWN_MEMBER_ID, K.ERR__MAX_POLL_EXCEEDED]);
const KAFKA_AUTH = new Set<number>([
  K.ERR__AUTHENTICATION, K.ERR_SASL_AUTHENTICATION_FAILED, K.ERR_UNSUPPORTED_SASL_MECHANISM, K.ERR_ILLEGAL_SASL_STATE,
  K.ERR_TOPIC_AUTHORIZATION_FAILED, K.ERR_GROUP_AUTHORIZATION_FAILED, K.ERR_CLUSTER_AUTHORIZATION_FAILED,
  K.ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, K.ERR__SSL,
]);
const KAFKA_FATAL = new Set<number>([K.ERR__FATAL, K.ERR_TOPIC_EXCEPTION, K.ERR__INVALID_ARG, K.ERR__UNSUPPORTED_FEATURE, K.ERR_UNSUPPORTED_VERSION]);
const KAFKA_RECORD = new Set<number>([K.ERR__BAD_COMPRESSION, K.ERR__BAD_MSG, K.ERR_INVALID_MSG, K.ERR__NOT_IMPLEMENTED, K.ERR_UNSUPPORTED_COMPRESSION_TYPE]);

// mysql2 surfaces network failures with Node's codes and server-side ones with ER_* codes.
const DB_CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK', 'ER_QUERY_INTERRUPTED', 'ER_CONNECTION_KILLED',
  'ER_NET_READ_ERROR', 'ER_NET_WRITE_INTERRUPTED', 'ER_NET_READ_INTERRUPTED', 'ER_SERVER_GONE_ERROR',
  'ER_OPTION_PREVENTS_STATEMENT', 'ER_READ_ONLY_MODE', 'ER_TOO_MANY_USER_CONNECTIONS',
]);
const DB_FATAL_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE']);

interface ErrorLike { name?: string; code?: string | number; errno?: number; fatal?: boolean; isFatal?: boolean; retriable?: boolean; cause?: unknown; message?: string }

function walk(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current = error as ErrorLike | undefined;
  for (let i = 0; current && i < 6; i += 1) {
    chain.push(current);
    current = (current.cause ?? (current as { originalError?: unknown }).originalError) as ErrorLike | undefined;
  }
  return chain;
}

/**
 * Classifies any error from Kafka or the database once, into a code from the closed list; the
 * code's flags (retryable, leader loss, rejoin, fatal) are what supervisors act on.
 * `source` says which side the error came from when its shape cannot.
 */
export function classifyError(error: unknown, source: 'kafka' | 'db'): ElError {
  if (error instanceof ElError) return error;
  const chain = walk(error);
  const message = chain[0]?.message ?? String(error);
  const code = ((): ErrorCode => {
    for (const e of chain) {
      if (source === 'kafka' && typeof e.code === 'number') {
        if (KAFKA_AUTH.has(e.code)) return 'EL_KAFKA_AUTH';
        if (KAFKA_LEADER.has(e.code)) return 'EL_KAFKA_LEADER_LOST';
        if (KAFKA_REJOIN.has(e.code)) return 'EL_KAFKA_REBALANCING';
        if (KAFKA_RECORD.has(e.code)) return 'EL_KAFKA_RECORD_UNREADABLE';
        if (KAFKA_FATAL.has(e.code) || e.isFatal === true) return 'EL_KAFKA_FAILED';
        return 'EL_KAFKA_UNAVAILABLE';
      }
      if (typeof e.code === 'string' && DB_FATAL_CODES.has(e.code)) return 'EL_DB_FAILED';
      if (typeof e.code === 'string' && DB_CONNECTION_CODES.has(e.code)) return source === 'db' ? 'EL_DB_UNAVAILABLE' : 'EL_KAFKA_UNAVAILABLE';
      if (source === 'db' && e.fatal === true) return 'EL_DB_UNAVAILABLE';
    }
    if (source === 'db') {
      // A server-side rejection of the statement (bad value, missing table...): the rows, not the connection.
      if (chain.some((e) => typeof e.code === 'string' && e.code.startsWith('ER_'))) return 'EL_ROW_REJECTED';
      return 'EL_DB_UNAVAILABLE';
    }
    // Anything else from Kafka is retried by the supervisor with backoff: a restarting consumer is
    // visible and recovers on its own, a consumer stopped on an unknown error pages someone.
    return 'EL_KAFKA_UNAVAILABLE';
  })();
  return new ElError(code, message, { cause: error });
}
