/**
 * A secured Kafka for TLS and SASL integration tests: `scripts/kafka up --secure` in its own run
 * folder (.run/kafka-secure) on its own port base (9492), next to the default cluster on 9092,
 * which it never touches. Endpoints, CA files and test users are read from what the script
 * prints, so they are defined in one place (scripts/kafka).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
/** Every scripts/kafka call gets these, so `up` and `down` act on the secured cluster only. */
const SECURE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  EL_KAFKA_RUN_DIR: '.run/kafka-secure',
  EL_KAFKA_PORT_BASE: '9492',
};

/** A SASL user of the secured cluster. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** The running secured cluster (one broker). Addresses are `host:port`. */
export interface SecureKafka {
  /** PLAINTEXT, no authentication (also the brokers' own listener). */
  readonly plaintext: string;
  /** TLS only; the broker's certificate is signed by `caFile`, valid for 127.0.0.1 and localhost. */
  readonly ssl: string;
  /** TLS + SASL (SCRAM-SHA-512 or PLAIN). */
  readonly saslSsl: string;
  /** SASL (PLAIN or SCRAM-SHA-512) without TLS. */
  readonly saslPlaintext: string;
  /** PEM of the CA that signed the broker's certificate. */
  readonly caFile: string;
  /** PEM of an unrelated CA: a client trusting only it must refuse the broker. */
  readonly rogueCaFile: string;
  /** The SCRAM-SHA-512 user. */
  readonly scram: Credentials;
  /** The PLAIN user. */
  readonly plain: Credentials;
  /** The broker's log, for `countFailedAuthentications`. */
  readonly logFile: string;
  /** `scripts/kafka down` for this cluster: stops the broker, deletes its data and certificates. */
  stop(): Promise<void>;
}

/** Runs scripts/kafka on the secured cluster; its progress goes to stderr, its answer is stdout. */
async function kafkaScript(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', ['scripts/kafka', ...args], { cwd: ROOT, env: SECURE_ENV, timeout: 240_000 });
  return stdout;
}

/**
 * Starts the secured cluster (or reuses it if it is already up) and waits until every listener
 * accepts connections. Certificates and users are made fresh whenever the cluster is.
 */
export async function startSecureKafka(): Promise<SecureKafka> {
  const info = new Map<string, string>();
  for (const line of (await kafkaScript('up', '--secure')).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) info.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const get = (key: string): string => {
    const value = info.get(key);
    if (value === undefined || value === '') throw new Error(`scripts/kafka up --secure did not report ${key}`);
    return value;
  };
  return {
    plaintext: get('plaintext'),
    ssl: get('ssl'),
    saslSsl: get('sasl_ssl'),
    saslPlaintext: get('sasl_plaintext'),
    caFile: get('ca_file'),
    rogueCaFile: get('rogue_ca_file'),
    scram: { username: get('scram_username'), password: get('scram_password') },
    plain: { username: get('plain_username'), password: get('plain_password') },
    logFile: get('log_files').split(',')[0]!,
    stop: async () => {
      await kafkaScript('down');
    },
  };
}

/**
 * The broker (org.apache.kafka.common.network.Selector, INFO) writes one such line per connection
 * whose authentication failed, e.g.
 *   `Failed authentication with /127.0.0.1 (channelId=127.0.0.1:9692-127.0.0.1:40652-2)
 *   (Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512)`
 * A client refusing the broker's certificate makes the same line ending in `(SSL handshake
 * failed)`: that is no SASL failure, so it is left out.
 */
const FAILED_SASL_AUTH = /Failed authentication with \S+ \(channelId=[^)]*\) \((?!SSL handshake failed\))/;

/**
 * How many failed SASL authentications `logFile` records so far. A client retries, so one wrong
 * password can make several lines, and the broker writes them a moment after the client gave up:
 * compare with a count taken before, and poll (e.g. with `until`) rather than read once.
 */
export function countFailedAuthentications(logFile: string): number {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => FAILED_SASL_AUTH.test(line)).length;
}
