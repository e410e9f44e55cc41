/**
 * The processor's Kafka producer: takes a packed produce frame and writes it as one record batch
 * per partition, one Produce request per leader broker, acks from every in-sync replica. It speaks
 * the wire protocol itself (Metadata v4, Produce v3) because kafkajs' producer spent most of its
 * thread building per-record objects (measured: 0.75 of a core at 29,000 events/s, two records
 * per event); kafkajs still does all consuming, group membership and admin.
 *
 * Failures are per partition: a partition whose leader moved, or whose broker went away, is
 * retried (fresh metadata, capped backoff) up to `retries` times on its own, while the partitions
 * that succeeded are not sent again. What still fails is rejected with a classified error, and
 * the produce stage retries the batch: nothing is dropped, a replay may duplicate (the consumer's
 * unique uuid key absorbs it).
 */
import type { Logger } from 'pino';
import { ElError, type ErrorCode } from '../domain/errors.js';
import { murmur2, partitionForHash } from '../domain/murmur2.js';
import { backoffDelay } from '../supervision/consumer-group.machine.js';
import { FRAME_FIELDS as FIELDS, FRAME_KEY_LENGTH, FRAME_KEY_OFFSET, FRAME_TOPIC, type ProduceFrame } from './produce-frame.js';
import { connectBroker, type BrokerConnection } from './wire/broker-connection.js';
import { kafkaError } from './wire/kafka-error-code.js';
import { decodeMetadataResponse, encodeMetadataRequest, type BrokerAddress, type TopicMetadata } from './wire/metadata-request.js';
import { decodeProduceResponse, encodeProduceRequest, type TopicRows } from './wire/produce-request.js';

/** A connected producer of frames. */
export interface FrameProducer {
  /** Writes every message of the frame; resolves once all are acknowledged, rejects with a classified error. */
  send(frame: ProduceFrame): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

/** What {@link createFrameProducer} needs; clocks and sleeps are injectable for tests. */
export interface FrameProducerOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** Told when the producer's connection state changes (for `/readyz`). */
  readonly onConnection?: (connected: boolean) => void;
  /** -1 (default): every in-sync replica. */
  readonly acks?: number;
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Told of every partition batch sent again, with the code that failed it (for a metric). */
  readonly onRetry?: (code: ErrorCode, messages: number) => void;
  /** Attempts per partition before the send is rejected (default 5). */
  readonly retries?: number;
  /** How long a topic being created may take to get leaders (default 10 s). */
  readonly topicWaitMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/** Rows failed in one attempt, with the error that failed them. */
interface Failure {
  readonly rows: readonly number[];
  readonly error: ElError;
  /** The topics whose metadata must be fetched again. */
  readonly topics: readonly string[];
}

/**
 * Connects (one Metadata request to any bootstrap broker) and returns the producer; rejects with a
 * classified error when no broker answers.
 */
export async function createFrameProducer(options: FrameProducerOptions): Promise<FrameProducer> {
  const { logger, clientId } = options;
  const acks = options.acks ?? -1;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
  const retries = options.retries ?? 5;
  const topicWaitMs = options.topicWaitMs ?? 10_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;

  const nodes = new Map<number, BrokerAddress>();
  const topics = new Map<string, TopicMetadata>();
  const connections = new Map<string, Promise<BrokerConnection>>();
  const roundRobin = new Map<string, number>();
  let correlation = 0;
  let isConnected = false;
  let closed = false;

  const setConnected = (value: boolean): void => {
    if (value !== isConnected) options.onConnection?.(value);
    isConnected = value;
  };
  const nextCorrelation = (): number => (correlation = (correlation + 1) & 0x7fffffff);

  /** The live connection to `address`, opened when there is none. */
  async function connection(address: string): Promise<BrokerConnection> {
    // A send still retrying when the producer closed must not open a socket nobody will close.
    if (closed) throw new ElError('EL_KAFKA_UNAVAILABLE', 'producer closed');
    const existing = connections.get(address);
    if (existing !== undefined) {
      const c = await existing.catch(() => undefined);
      if (c?.alive()) return c;
      if (connections.get(address) === existing) connections.delete(address);
      return connection(address);
    }
    const { host, port } = parseAddress(address);
    const opening = connectBroker(host, port, connectTimeoutMs);
    connections.set(address, opening);
    opening.catch(() => {
      if (connections.get(address) === opening) connections.delete(address);
    });
    return opening;
  }

  /** Asks any broker (known ones first, then the bootstrap list) for `names`, creating missing topics. */
  async function refresh(names: readonly string[]): Promise<void> {
    const candidates = [...new Set([...[...nodes.values()].map((n) => `${n.host}:${n.port}`), ...options.brokers])];
    let last: unknown;
    for (const address of candidates) {
      try {
        const c = await connection(address);
        const id = nextCorrelation();
        const meta = decodeMetadataResponse(await c.request(encodeMetadataRequest(names, id, clientId, true), id, requestTimeoutMs));
        if (meta.brokers.length > 0) {
          nodes.clear();
          for (const b of meta.brokers) nodes.set(b.nodeId, b);
        }
        for (const t of meta.topics) {
          if (t.errorCode === 0 && t.leaders.length > 0) topics.set(t.name, t);
          else topics.delete(t.name);
        }
        return;
      } catch (error) {
        last = error;
      }
    }
    throw last instanceof ElError ? last : new ElError('EL_KAFKA_UNAVAILABLE', `no broker of ${options.brokers.join(',')} answered`, { cause: last });
  }

  /** Metadata for every topic of the frame; waits while new topics are created. */
  async function ensureTopics(names: readonly string[]): Promise<void> {
    const started = now();
    for (let attempt = 1; ; attempt += 1) {
      const missing = names.filter((n) => !topics.has(n));
      if (missing.length === 0) return;
      await refresh(missing);
      const still = missing.filter((n) => !topics.has(n));
      if (still.length === 0) return;
      if (now() - started >= topicWaitMs) {
        throw new ElError('EL_KAFKA_LEADER_LOST', `topics without leaders after ${topicWaitMs} ms: ${still.join(', ')}`, { details: { topics: still } });
      }
      await sleep(Math.min(50 * attempt, 500));
    }
  }

  /** The partition of each row: the key's murmur2 (as every Kafka client), or round-robin without a key. */
  function partitionOf(frame: ProduceFrame, row: number, meta: TopicMetadata): number {
    const at = row * FIELDS;
    const keyLength = frame.table[at + FRAME_KEY_LENGTH]!;
    const n = meta.leaders.length;
    if (keyLength >= 0) {
      const from = frame.table[at + FRAME_KEY_OFFSET]!;
      return partitionForHash(murmur2(frame.bytes, from, from + keyLength), n);
    }
    const next = ((roundRobin.get(meta.name) ?? Math.floor(Math.random() * 0x7fffffff)) + 1) & 0x7fffffff;
    roundRobin.set(meta.name, next);
    return next % n;
  }

  /** One attempt at `rows`: the rows that failed, grouped by error. */
  async function attempt(frame: ProduceFrame, rows: readonly number[]): Promise<Failure[]> {
    // leader -> topic -> partition -> rows, in frame order
    const plan = new Map<number, Map<string, Map<number, number[]>>>();
    const failures: Failure[] = [];
    const leaderless = new Map<string, number[]>();
    for (const row of rows) {
      const topic = frame.topics[frame.table[row * FIELDS + FRAME_TOPIC]!]!;
      // Gone when a concurrent send's failure dropped it since `ensureTopics`: retried like a lost leader.
      const meta = topics.get(topic);
      const partition = meta === undefined ? -1 : partitionOf(frame, row, meta);
      const leader = meta?.leaders[partition] ?? -1;
      if (leader < 0 || !nodes.has(leader)) {
        let l = leaderless.get(topic);
        if (l === undefined) leaderless.set(topic, (l = []));
        l.push(row);
        continue;
      }
      let byTopic = plan.get(leader);
      if (byTopic === undefined) plan.set(leader, (byTopic = new Map()));
      let byPartition = byTopic.get(topic);
      if (byPartition === undefined) byTopic.set(topic, (byPartition = new Map()));
      let list = byPartition.get(partition);
      if (list === undefined) byPartition.set(partition, (list = []));
      list.push(row);
    }
    for (const [topic, l] of leaderless) failures.push({ rows: l, error: kafkaError(5, { topic }), topics: [topic] });

    await Promise.all([...plan].map(async ([leader, byTopic]) => {
      const node = nodes.get(leader)!;
      const address = `${node.host}:${node.port}`;
      const request: TopicRows[] = [...byTopic].map(([topic, byPartition]) => ({
        topic, partitions: [...byPartition].map(([partition, list]) => ({ partition, rows: list })),
      }));
      const allRows = (): number[] => request.flatMap((t) => t.partitions.flatMap((p) => p.rows));
      try {
        const c = await connection(address);
        const id = nextCorrelation();
        const payload = encodeProduceRequest(frame, request, { correlationId: id, clientId, acks, timeoutMs: requestTimeoutMs, timestamp: now() });
        const results = decodeProduceResponse(await c.request(payload, id, requestTimeoutMs + 5_000));
        for (const r of results) {
          if (r.errorCode === 0) continue;
          const list = byTopic.get(r.topic)?.get(r.partition) ?? [];
          failures.push({ rows: list, error: kafkaError(r.errorCode, { topic: r.topic, partition: r.partition, broker: address }), topics: [r.topic] });
        }
        const answered = new Set(results.map((r) => `${r.topic}\u0000${r.partition}`));
        for (const t of request) {
          for (const p of t.partitions) {
            if (!answered.has(`${t.topic}\u0000${p.partition}`)) {
              failures.push({ rows: p.rows, error: new ElError('EL_KAFKA_UNAVAILABLE', `broker ${address} did not answer for ${t.topic}[${p.partition}]`), topics: [t.topic] });
            }
          }
        }
      } catch (error) {
        const e = error instanceof ElError ? error : new ElError('EL_KAFKA_UNAVAILABLE', String(error), { cause: error });
        failures.push({ rows: allRows(), error: e, topics: request.map((t) => t.topic) });
      }
    }));
    return failures;
  }

  await refresh([]).then(() => setConnected(true));

  return {
    async send(frame) {
      if (closed) throw new ElError('EL_KAFKA_UNAVAILABLE', 'producer closed');
      let rows: number[] = Array.from({ length: frame.table.length / FIELDS }, (_, i) => i);
      if (rows.length === 0) return;
      for (let n = 1; ; n += 1) {
        let failures: Failure[];
        try {
          await ensureTopics(frame.topics);
          failures = await attempt(frame, rows);
        } catch (error) {
          const e = error instanceof ElError ? error : new ElError('EL_KAFKA_UNAVAILABLE', String(error), { cause: error });
          failures = [{ rows, error: e, topics: [...frame.topics] }];
        }
        if (failures.length === 0) {
          setConnected(true);
          return;
        }
        const first = failures[0]!.error;
        const fatal = failures.find((f) => !f.error.flags.retryable);
        if (fatal !== undefined) throw fatal.error;
        // A broker we could not reach at all: not ready until a send gets through again.
        if (failures.some((f) => f.error.details?.kafkaError === undefined)) setConnected(false);
        for (const f of failures) for (const t of f.topics) topics.delete(t);
        if (closed || n >= retries) throw first;
        for (const f of failures) options.onRetry?.(f.error.code, f.rows.length);
        rows = failures.flatMap((f) => f.rows).sort((a, b) => a - b);
        logger.warn({ err: first, attempt: n, messages: rows.length }, 'produce: some partitions failed; retrying them with fresh metadata');
        await sleep(backoffDelay(n, 100, 2_000));
      }
    },
    connected: () => isConnected,
    async close() {
      closed = true;
      const open = [...connections.values()];
      connections.clear();
      await Promise.all(open.map((p) => p.then((c) => c.close(), () => undefined)));
      setConnected(false);
    },
  };
}
