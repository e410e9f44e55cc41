import { ElError, type ErrorCode } from '../domain/errors.js';

// kafkajs error types (error.type) that mean a partition's leader moved or vanished.
const LEADER_TYPES = new Set([
  'NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH', 'REPLICA_NOT_AVAILABLE', 'NOT_COORDINATOR', 'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_NOT_AVAILABLE', 'GROUP_COORDINATOR_NOT_AVAILABLE',
]);
const REJOIN_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'MEMBER_ID_REQUIRED']);
const FATAL_KAFKA_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED', 'INVALID_TOPIC_EXCEPTION', 'UNSUPPORTED_VERSION',
]);
// mysql2 surfaces network failures with Node's codes and server-side ones with ER_* codes.
const DB_CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK', 'ER_QUERY_INTERRUPTED', 'ER_CONNECTION_KILLED',
  'ER_NET_READ_ERROR', 'ER_NET_WRITE_INTERRUPTED', 'ER_NET_READ_INTERRUPTED', 'ER_SERVER_GONE_ERROR',
  'ER_OPTION_PREVENTS_STATEMENT', 'ER_READ_ONLY_MODE', 'ER_TOO_MANY_USER_CONNECTIONS',
]);
const DB_FATAL_CODES = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE']);

interface ErrorLike { name?: string; type?: string; code?: string; errno?: number; fatal?: boolean; retriable?: boolean; cause?: unknown; message?: string }

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
      if (e.type && LEADER_TYPES.has(e.type)) return 'EL_KAFKA_LEADER_LOST';
      if (e.type && REJOIN_TYPES.has(e.type)) return 'EL_KAFKA_REBALANCING';
      if (e.type && FATAL_KAFKA_TYPES.has(e.type)) return 'EL_KAFKA_FAILED';
      if (e.code && DB_FATAL_CODES.has(e.code)) return 'EL_DB_FAILED';
      if (e.code && DB_CONNECTION_CODES.has(e.code)) return source === 'db' ? 'EL_DB_UNAVAILABLE' : 'EL_KAFKA_UNAVAILABLE';
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
