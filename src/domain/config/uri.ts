import { ElError } from '../errors.js';
import { kafkaClientOptions, type KafkaClientOptions } from './kafka-options.js';

/** A Kafka writer: produce to `topic` (may be a template such as `eventlogging_{schema}`). */
export interface KafkaWriterUri {
  readonly kind: 'kafka-writer'; readonly brokers: readonly string[]; readonly topic: string; readonly params: Readonly<Record<string, string>>;
  /** Client options from the query (security, compression, ...), validated. */
  readonly client: KafkaClientOptions;
}
/** A Kafka reader: consume `topics` as consumer group `identity`. */
export interface KafkaReaderUri {
  readonly kind: 'kafka-reader'; readonly brokers: readonly string[]; readonly topics: readonly string[]; readonly identity: string; readonly params: Readonly<Record<string, string>>;
  /** Client options from the query (security, ...), validated. */
  readonly client: KafkaClientOptions;
}
/** A MySQL/MariaDB database with batching parameters. */
export interface MysqlUri {
  readonly kind: 'mysql'; readonly host: string; readonly port: number; readonly user: string; readonly password: string;
  readonly database: string; readonly replace: boolean; readonly batchSize: number; readonly batchTimeMs: number;
  readonly params: Readonly<Record<string, string>>;
}
/** Standard input, standard output, or a file (append for outputs). */
export interface StreamUri { readonly kind: 'stdin' | 'stdout' | 'file'; readonly path?: string }

/** Every endpoint a role can read from or write to. */
export type EndpointUri = KafkaWriterUri | KafkaReaderUri | MysqlUri | StreamUri;

const KAFKA_BROKER = /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/;

function fail(uri: string, why: string): never {
  throw new ElError('EL_URI_INVALID', `invalid URI '${redact(uri)}': ${why}`);
}

/**
 * Replaces a password in a URI with `***`, for messages and logs. The password ends at the last
 * `@` before the query: a password may itself contain `@` (unencoded), and none of it may show.
 * A query parameter named like a password is masked as well.
 */
export function redact(uri: string): string {
  // A password written into a query (refused, but quoted in the refusal) is hidden too; the
  // names of a file or a variable that hold one are not secrets.
  const masked = uri.replace(/([?&][^=&]*password[^=&]*)=([^&]*)/gi, (all, name: string) => (/\.(file|env)$/i.test(name) ? all : `${name}=***`));
  const m = /^mysql:\/\/[^:/@]*:/.exec(masked);
  if (m === null) return masked;
  const query = masked.indexOf('?');
  const at = masked.lastIndexOf('@', query < 0 ? masked.length : query);
  return at < m[0].length ? masked : `${m[0]}***${masked.slice(at)}`;
}

function clientOptions(uri: string, params: Record<string, string>, role: 'reader' | 'writer'): KafkaClientOptions {
  try {
    return kafkaClientOptions(params, role);
  } catch (error) {
    return fail(uri, (error as Error).message);
  }
}

/** The cluster an operator command talks to, and how (security, SASL, ...). */
export interface KafkaCluster {
  readonly brokers: readonly string[];
  readonly client?: KafkaClientOptions;
}

/** The brokers and query parameters of a `kafka:///h:p[,h:p]?...` URI; `example` shows the form in an error. */
function splitKafkaUri(uri: string, example: string): { brokers: string[]; params: Record<string, string> } {
  const rest = uri.slice('kafka://'.length).replace(/^\//, '');
  const [hostPart = '', query = ''] = rest.split('?', 2);
  const brokers = hostPart.split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) fail(uri, `no brokers: use ${example}`);
  for (const b of brokers) if (!KAFKA_BROKER.test(b)) fail(uri, `broker '${b}' is not host:port`);
  return { brokers, params: Object.fromEntries(new URLSearchParams(query)) };
}

/**
 * The `--brokers` of the operator commands: `HOST:PORT[,...]` for a plaintext cluster, or a Kafka
 * URI without topics, `kafka:///HOST:PORT[,...]?security.protocol=SASL_SSL&...`, with the same
 * client options (validated the same way, secrets only from files or variables) as the roles'
 * URIs, so every command reaches every cluster a role can.
 */
export function parseKafkaCluster(value: string): KafkaCluster {
  if (!value.startsWith('kafka://')) {
    const brokers = value.split(',').map((b) => b.trim()).filter(Boolean);
    if (brokers.length === 0) throw new ElError('EL_URI_INVALID', '--brokers: no broker given');
    for (const b of brokers) {
      if (!KAFKA_BROKER.test(b)) throw new ElError('EL_URI_INVALID', `--brokers: '${b}' is not HOST:PORT (or give kafka:///HOST:PORT?<client options>)`);
    }
    return { brokers };
  }
  const { brokers, params } = splitKafkaUri(value, 'kafka:///host:port?<client options>');
  for (const own of ['topic', 'topics', 'identity']) {
    if (params[own] !== undefined) fail(value, `'${own}' has no place here: the command takes its topic and group as options`);
  }
  return { brokers, client: clientOptions(value, params, 'reader') };
}

function positiveInt(uri: string, name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) fail(uri, `${name} must be a positive integer, got '${value}'`);
  return Number(value);
}

/**
 * Parses an endpoint URI as the original accepted them:
 * `kafka:///h:p[,h:p]?topic=T`, `kafka:///h:p?topics=T1,T2&identity=G`,
 * `mysql://user:pass@host:port/db?replace=true&batch_size=N&batch_time=S`, `stdin://`, `stdout://`, `file:///path`.
 */
export function parseUri(uri: string): EndpointUri {
  if (uri === 'stdin://' || uri === 'stdin:') return { kind: 'stdin' };
  if (uri === 'stdout://' || uri === 'stdout:') return { kind: 'stdout' };
  if (uri.startsWith('file://')) {
    const path = decodeURIComponent(uri.slice('file://'.length));
    if (!path.startsWith('/')) fail(uri, 'file URIs need an absolute path: file:///path');
    return { kind: 'file', path };
  }
  if (uri.startsWith('kafka://')) {
    const { brokers, params } = splitKafkaUri(uri, 'kafka:///host:port?topic=T');
    if (params.topics !== undefined) {
      const topics = params.topics.split(',').map((t) => t.trim()).filter(Boolean);
      if (topics.length === 0) fail(uri, 'topics= is empty');
      if (!params.identity) fail(uri, 'a Kafka reader needs identity=GROUP');
      return { kind: 'kafka-reader', brokers, topics, identity: params.identity, params, client: clientOptions(uri, params, 'reader') };
    }
    if (!params.topic) fail(uri, 'a Kafka writer needs topic=T (a reader needs topics=T1,T2&identity=G)');
    return { kind: 'kafka-writer', brokers, topic: params.topic, params, client: clientOptions(uri, params, 'writer') };
  }
  if (uri.startsWith('mysql://')) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      fail(uri, 'not a URL: use mysql://user:pass@host:port/db');
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!database) fail(uri, 'no database name: mysql://user:pass@host:port/db');
    const params = Object.fromEntries(url.searchParams);
    const replaceParam = params.replace ?? 'false';
    if (!['true', 'false'].includes(replaceParam)) fail(uri, `replace must be true or false, got '${replaceParam}'`);
    const batchTime = params.batch_time ?? '300';
    if (!/^\d+(\.\d+)?$/.test(batchTime) || Number(batchTime) <= 0) fail(uri, `batch_time must be a positive number of seconds, got '${batchTime}'`);
    return {
      kind: 'mysql',
      host: url.hostname || '127.0.0.1',
      port: positiveInt(uri, 'port', url.port || undefined, 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      database,
      replace: replaceParam === 'true',
      batchSize: positiveInt(uri, 'batch_size', params.batch_size, 3000),
      batchTimeMs: Math.round(Number(batchTime) * 1000),
      params,
    };
  }
  return fail(uri, 'unknown scheme (kafka://, mysql://, stdin://, stdout://, file://)');
}
