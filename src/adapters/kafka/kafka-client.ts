/**
 * The one Kafka client: librdkafka (through @confluentinc/kafka-javascript), the engine the
 * original EventLogging used through confluent-kafka-python. This file turns a broker list and a
 * URI's validated client options into librdkafka's configuration (reading secrets from their
 * file or variable, never logging them), and creates the KafkaJS-style client the admin and
 * operator commands use. Producers and the consumer-group source use librdkafka's own API
 * (`kafka-producer.ts`, `kafka-source.ts`): it reports errors with codes and exposes rebalances,
 * pause/resume, seek and explicit commits, which those paths need.
 */
import { readFileSync } from 'node:fs';
import { KafkaJS, RdKafka } from '@confluentinc/kafka-javascript';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { metricOnce } from '../../observability/metrics.js';
import { ElError } from '../../domain/errors.js';
import { DEFAULT_CODEC, type KafkaClientOptions } from '../../domain/config/kafka-options.js';

/** Where and how to reach a cluster. */
export interface KafkaEndpoint {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Client options from a URI (security, compression, ...); none means plaintext, default codec. */
  readonly client?: KafkaClientOptions;
}

/** librdkafka configuration properties. */
export type RdConfig = Record<string, string | number | boolean>;

/** No options: plaintext, the default codec. */
export const PLAINTEXT: KafkaClientOptions = Object.freeze({ properties: Object.freeze({}), secrets: Object.freeze([]), codec: DEFAULT_CODEC });

/**
 * Reads a secret named by a URI. Errors name the property and where it was looked for, never a
 * value. Injected in tests; production reads the file system and the environment.
 */
export type SecretReader = (from: 'file' | 'env', name: string) => string;

const readSecret: SecretReader = (from, name) => {
  if (from === 'env') {
    const value = process.env[name];
    if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
    return value;
  }
  // A trailing newline is an editor's, not the password's.
  return readFileSync(name, 'utf8').replace(/\r?\n$/, '');
};

/**
 * The librdkafka properties shared by every client of an endpoint: brokers, client id, the URI's
 * options, and its secrets resolved. Throws `EL_CONFIG_INVALID` when a secret cannot be read.
 */
export function clientConfig(endpoint: KafkaEndpoint, secrets: SecretReader = readSecret): RdConfig {
  const options = endpoint.client ?? PLAINTEXT;
  const config: RdConfig = {
    'bootstrap.servers': endpoint.brokers.join(','),
    'client.id': endpoint.clientId,
    ...options.properties,
  };
  for (const ref of options.secrets) {
    try {
      config[ref.property] = secrets(ref.from, ref.name);
    } catch (cause) {
      const where = ref.from === 'file' ? `file ${ref.name}` : `environment variable ${ref.name}`;
      throw new ElError('EL_CONFIG_INVALID', `${ref.property}.${ref.from}: cannot read the ${where}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
    }
  }
  return config;
}

/** What an error message may say about an endpoint: brokers, protocol and mechanism, no secret. */
export function describeEndpoint(endpoint: KafkaEndpoint): string {
  const p = endpoint.client?.properties ?? {};
  const protocol = p['security.protocol'] ?? 'plaintext';
  return `${endpoint.brokers.join(',')} (${protocol}${p['sasl.mechanism'] ? ` ${p['sasl.mechanism']} as ${p['sasl.username'] ?? '?'}` : ''})`;
}

/**
 * How often a connecting client is polled: librdkafka hands its error events (a refused login or
 * certificate) over only when polled, and nothing else polls before the connection completes.
 */
export const CONNECT_POLL_MS = 100;

const R = RdKafka.CODES.ERRORS;
const AUTHORISATION = new Set<number>([R.ERR_TOPIC_AUTHORIZATION_FAILED, R.ERR_GROUP_AUTHORIZATION_FAILED, R.ERR_CLUSTER_AUTHORIZATION_FAILED, R.ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED]);

/**
 * A refusal (EL_KAFKA_AUTH) in words an operator can act on: who refused, over what, and what to
 * check, chosen by the client's error code; the client's own text follows in brackets.
 */
export function describeRefusal(endpoint: KafkaEndpoint, code: number, message: string): string {
  const what = code === R.ERR__SSL
    ? 'TLS handshake failed: the broker certificate is not signed by the CA in ssl.ca.location (or the broker refused the client certificate)'
    : AUTHORISATION.has(code)
      ? 'not authorised: the user lacks an ACL for this topic, group or cluster'
      : code === R.ERR_UNSUPPORTED_SASL_MECHANISM
        ? 'the broker does not offer this SASL mechanism'
        : 'authentication failed: check sasl.username and the password file or variable';
  return `Kafka refused ${describeEndpoint(endpoint)}: ${what} (${message})`;
}

/** Routes librdkafka's log lines (syslog levels) to pino: warnings and worse at warn, the rest at debug. */
export function logLibrdkafka(logger: Logger, event: { severity?: number; fac?: string; message?: string }): void {
  if ((event.severity ?? 7) <= 4) logger.warn({ kafka: event.fac }, event.message ?? '');
  else logger.debug({ kafka: event.fac }, event.message ?? '');
}

/** A KafkaJS-style logger on pino (the admin client's), its info chatter at debug. */
function kafkaJsLogger(logger: Logger): KafkaJS.Logger {
  const make = (): KafkaJS.Logger => ({
    info: (message, extra) => logger.debug({ ...extra }, message),
    debug: (message, extra) => logger.debug({ ...extra }, message),
    warn: (message, extra) => logger.warn({ ...extra }, message),
    error: (message, extra) => logger.warn({ ...extra }, message),
    namespace: () => make(),
    setLogLevel: () => undefined,
  });
  return make();
}

/**
 * A KafkaJS-style client (admin, and the short-lived readers of the operator commands) on the
 * same configuration as every other client of the endpoint.
 */
export function createKafka(endpoint: KafkaEndpoint, logger: Logger): KafkaJS.Kafka {
  // The KafkaJS-style client takes its brokers in its own block, every other property as is.
  const { 'bootstrap.servers': _servers, ...config } = clientConfig(endpoint);
  return new KafkaJS.Kafka({ ...config, kafkaJS: { brokers: [...endpoint.brokers], logger: kafkaJsLogger(logger) } });
}

/**
 * `eventlogging_kafka_auth_failures_total{role, client}`: authentication or authorisation refusals
 * (the role stops trying and shows `failed`; someone has to fix the credentials or the ACLs).
 */
export function authFailures(registry: Registry): Counter<'role' | 'client'> {
  return metricOnce(registry, 'eventlogging_kafka_auth_failures_total', () => new Counter({
    name: 'eventlogging_kafka_auth_failures_total',
    help: 'Kafka authentication or authorisation refusals; the role stops retrying and shows failed.',
    labelNames: ['role', 'client'] as const, registers: [registry],
  }));
}

/**
 * librdkafka's topic-level properties. Its JavaScript binding applies them only from the second,
 * topic configuration argument: set in the global one, they are silently ignored (a consumer
 * then started at the latest offset whatever `auto.offset.reset` said).
 */
const TOPIC_PROPERTIES = new Set([
  'acks', 'request.required.acks', 'request.timeout.ms', 'message.timeout.ms', 'delivery.timeout.ms', 'partitioner',
  'compression.type', 'compression.level', 'auto.offset.reset',
]);

/** Splits a configuration into librdkafka's global and topic parts. */
export function splitConfig(config: RdConfig): [global: RdConfig, topic: RdConfig] {
  const global: RdConfig = {};
  const topic: RdConfig = {};
  for (const [name, value] of Object.entries(config)) (TOPIC_PROPERTIES.has(name) ? topic : global)[name] = value;
  return [global, topic];
}

/**
 * The librdkafka code of a client error event. The binding (1.10) passes error events to
 * JavaScript as librdkafka's fixed description of the code (`rd_kafka_err2str`) with code -1; the
 * descriptions of the codes the supervisors act on are mapped back here, exactly, as the codes
 * they stand for (a closed table of librdkafka's own strings, not log text).
 */
const DESCRIBED_CODES: ReadonlyMap<string, number> = (() => {
  const E = RdKafka.CODES.ERRORS;
  return new Map<string, number>([
    ['broker transport failure', E.ERR__TRANSPORT],
    ['all broker connections are down', E.ERR__ALL_BROKERS_DOWN],
    ['authentication failure', E.ERR__AUTHENTICATION],
    ['ssl error', E.ERR__SSL],
    ['broker: sasl authentication failed', E.ERR_SASL_AUTHENTICATION_FAILED],
    ['fatal error', E.ERR__FATAL],
  ]);
})();

/** The error with its librdkafka code restored where the binding lost it (see {@link DESCRIBED_CODES}). */
export function withCode<T extends { code: number; message: string }>(error: T): T {
  if (error.code !== -1) return error;
  const code = DESCRIBED_CODES.get(error.message.toLowerCase().replace(/^local: /, ''));
  return code === undefined ? error : Object.assign(error, { code, errno: code });
}
