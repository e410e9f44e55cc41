/**
 * Kafka client options carried in a `kafka:///` URI's query, as the original passed its URI query
 * through to its client: client properties keep librdkafka's own names (`security.protocol`,
 * `sasl.mechanism`, `ssl.ca.location`, `compression.codec`, ...). Only the properties listed here
 * pass, each checked at start, so a misspelled one is named instead of silently ignored. Secrets
 * never sit in the URI (it is printed in process lists, logs and `/status`): a password is named
 * by the file or environment variable that holds it, and resolved by the adapter.
 */
import { ElError } from '../errors.js';

/** Compression codecs a producer may write; every one of them is read back. */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];

/**
 * The producers' default codec. lz4 costs the least CPU per byte of the four on this kind of
 * machine (the processor is CPU-bound) and still shrinks capsule JSON about fourfold.
 */
export const DEFAULT_CODEC: Codec = 'lz4';

/** A secret the adapter reads when it builds the client: from a file, or an environment variable. */
export interface SecretRef {
  /** The client property it becomes (`sasl.password`, `ssl.key.password`). */
  readonly property: string;
  readonly from: 'file' | 'env';
  /** The file path or the variable name (never the secret itself). */
  readonly name: string;
}

/** Validated client options of one URI: plain properties, secrets by reference, the codec. */
export interface KafkaClientOptions {
  /** librdkafka properties to set as they are (no secrets among them). */
  readonly properties: Readonly<Record<string, string>>;
  readonly secrets: readonly SecretRef[];
  /** Producers only: the codec to write with. */
  readonly codec: Codec;
}

type Check = (value: string) => string | undefined;

const oneOf = (...allowed: string[]): Check => (value) => {
  const v = value.toLowerCase();
  return allowed.map((a) => a.toLowerCase()).includes(v) ? undefined : `must be one of ${allowed.join(', ')}`;
};
const boolean: Check = (value) => (value === 'true' || value === 'false' ? undefined : 'must be true or false');
const nonEmpty: Check = (value) => (value.length > 0 ? undefined : 'must not be empty');
const intIn = (min: number, max: number): Check => (value) =>
  (/^-?\d+$/.test(value) && Number(value) >= min && Number(value) <= max ? undefined : `must be an integer from ${min} to ${max}`);

/** Client properties every Kafka URI may carry. */
const CLIENT: Readonly<Record<string, Check>> = {
  'security.protocol': oneOf('plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'),
  'sasl.mechanism': oneOf('PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'),
  'sasl.username': nonEmpty,
  'ssl.ca.location': nonEmpty,
  'ssl.certificate.location': nonEmpty,
  'ssl.key.location': nonEmpty,
  'ssl.endpoint.identification.algorithm': oneOf('none', 'https'),
  'enable.ssl.certificate.verification': boolean,
  'socket.timeout.ms': intIn(10, 300_000),
  'reconnect.backoff.max.ms': intIn(0, 3_600_000),
};

/** Producer properties (writer URIs). */
const PRODUCER: Readonly<Record<string, Check>> = {
  'compression.codec': oneOf(...CODECS),
  'compression.level': intIn(-1, 12),
  'linger.ms': intIn(0, 900_000),
  'batch.num.messages': intIn(1, 1_000_000),
  'batch.size': intIn(1, 2_147_483_647),
  'message.timeout.ms': intIn(0, 2_147_483_647),
};

/** Consumer properties (reader URIs). */
const CONSUMER: Readonly<Record<string, Check>> = {
  'max.partition.fetch.bytes': intIn(1, 1_000_000_000),
  'fetch.max.bytes': intIn(0, 2_147_483_135),
  'session.timeout.ms': intIn(1, 3_600_000),
};

/** Properties that hold secrets: named by `<property>.file=PATH` or `<property>.env=VAR`. */
const SECRETS = ['sasl.password', 'ssl.key.password'] as const;

/** Spellings the original and other clients use, mapped to the names above. */
const ALIASES: Readonly<Record<string, string>> = {
  'sasl.mechanisms': 'sasl.mechanism',
  'compression.type': 'compression.codec',
};

/** Parameters of our own in a Kafka URI (not client properties). */
export const KAFKA_URI_PARAMS = {
  reader: ['topics', 'identity'],
  writer: ['topic', 'allow', 'deny', 'blacklist', 'events_topic', 'mixed_topic', 'error_topic', 'auto_create', 'idempotent'],
} as const;

function closest(name: string, known: readonly string[]): string | undefined {
  // A misspelling is usually one or two edits away; suggest the nearest known name within three.
  let best: string | undefined;
  let bestDistance = 4;
  for (const k of known) {
    const d = editDistance(name, k, bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * Validates the query of a Kafka URI and separates client options from our own parameters.
 * Throws `EL_URI_INVALID` naming the first unknown or invalid option (with the nearest known name),
 * and refuses a secret written into the URI.
 */
export function kafkaClientOptions(params: Readonly<Record<string, string>>, role: 'reader' | 'writer'): KafkaClientOptions {
  const own: readonly string[] = KAFKA_URI_PARAMS[role];
  const roleProps = role === 'writer' ? PRODUCER : CONSUMER;
  const known = [...own, ...Object.keys(CLIENT), ...Object.keys(roleProps), ...SECRETS.flatMap((s) => [`${s}.file`, `${s}.env`])];
  const properties: Record<string, string> = {};
  const secrets: SecretRef[] = [];
  for (const [rawName, value] of Object.entries(params)) {
    if (own.includes(rawName)) continue;
    const name = ALIASES[rawName] ?? rawName;
    if ((SECRETS as readonly string[]).includes(name)) {
      throw new ElError('EL_URI_INVALID', `'${rawName}' must not be written into a URI (URIs appear in process lists and logs): name a file with ${name}.file=PATH or an environment variable with ${name}.env=NAME`);
    }
    const secret = SECRETS.find((s) => name === `${s}.file` || name === `${s}.env`);
    if (secret !== undefined) {
      if (value.length === 0) throw new ElError('EL_URI_INVALID', `'${rawName}' must not be empty`);
      if (name.endsWith('.env') && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
        throw new ElError('EL_URI_INVALID', `'${rawName}' must name an environment variable, got '${value}'`);
      }
      secrets.push({ property: secret, from: name.endsWith('.file') ? 'file' : 'env', name: value });
      continue;
    }
    const check = CLIENT[name] ?? roleProps[name];
    if (check === undefined) {
      const other = role === 'writer' ? CONSUMER[name] : PRODUCER[name];
      if (other !== undefined) throw new ElError('EL_URI_INVALID', `'${rawName}' is a ${role === 'writer' ? 'consumer' : 'producer'} option; this URI is a ${role}`);
      const hint = closest(name, known);
      throw new ElError('EL_URI_INVALID', `unknown Kafka option '${rawName}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    const problem = check(value);
    if (problem !== undefined) throw new ElError('EL_URI_INVALID', `Kafka option '${rawName}' ${problem}, got '${value}'`);
    properties[name] = value;
  }
  if (role === 'writer' && params.idempotent !== undefined && params.idempotent !== 'true') {
    throw new ElError('EL_URI_INVALID', `idempotent=${params.idempotent}: producers are always idempotent (no duplicates when a send is retried); drop the option`);
  }
  const protocol = (properties['security.protocol'] ?? 'plaintext').toLowerCase();
  const sasl = protocol.startsWith('sasl_');
  if (sasl && (properties['sasl.mechanism'] === undefined || properties['sasl.username'] === undefined || !secrets.some((s) => s.property === 'sasl.password'))) {
    throw new ElError('EL_URI_INVALID', `security.protocol=${protocol} needs sasl.mechanism, sasl.username and sasl.password.file or sasl.password.env`);
  }
  if (!sasl && (properties['sasl.mechanism'] !== undefined || properties['sasl.username'] !== undefined)) {
    throw new ElError('EL_URI_INVALID', `sasl.* options need security.protocol=sasl_ssl or sasl_plaintext (it is ${protocol})`);
  }
  const codec = (properties['compression.codec']?.toLowerCase() ?? DEFAULT_CODEC) as Codec;
  delete properties['compression.codec'];
  return { properties, secrets, codec };
}

/**
 * A reader's connection options for a producer to the same cluster (the consumer's EventError
 * output): security and secrets carry over, consumer tuning does not, the codec is the default.
 */
export function writerOptionsOf(reader: KafkaClientOptions): KafkaClientOptions {
  const properties = Object.fromEntries(Object.entries(reader.properties).filter(([name]) => name in CLIENT));
  return { properties, secrets: reader.secrets, codec: DEFAULT_CODEC };
}
