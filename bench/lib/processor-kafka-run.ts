/**
 * The Kafka-to-Kafka processor measurement of `bench/processor-kafka.ts` as a function, so
 * `bench/all.ts` runs it in the same process tree: a raw topic is filled with a generated log, one
 * processor role (in this process) reads it and produces the capsules to per-schema topics,
 * valid-mixed and EventError (acks -1), committing raw offsets behind the acks.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { built } from './built.js';
import { BROKERS, freshTopic, produceLines, testKafka, uniqueName } from '../../test/helpers/kafka.js';
import { FORMAT } from '../../test/fixtures/processor/raw-lines.js';
import { benchLines, domainRate } from '../processor-pipe.js';

const { parseProcessorArgs } = await built<typeof import('../../src/config/parse-role-args.js')>('config/parse-role-args.js');
const { createProcessor } = await built<typeof import('../../src/roles/processor/processor-role.js')>('roles/processor/processor-role.js');

/** Figures of one processor run. */
export interface ProcessorKafkaResult {
  readonly events: number;
  readonly partitions: number;
  readonly seconds: number;
  /** Events/s from the first record received to the last raw offset committed. */
  readonly eventsPerSec: number;
  /** The domain path alone on one core, same lines, same run. */
  readonly domainEventsPerSec: number;
  readonly ratioToDomain: number;
  /** Highest RSS of this process (the role runs in it) sampled while the role ran, MiB. */
  readonly peakRssMb: number;
}

/** Fills a raw topic with `count` generated lines over `partitions`, e.g. for the processor and scaling benches. */
export async function fillRawTopic(prefix: string, lines: readonly string[], partitions: number): Promise<string> {
  const raw = await freshTopic(prefix, partitions);
  const per = Math.ceil(lines.length / partitions);
  await Promise.all(Array.from({ length: partitions }, async (_, p) => {
    const end = Math.min(lines.length, (p + 1) * per);
    for (let i = p * per; i < end; i += 1000) await produceLines(raw, lines.slice(i, Math.min(i + 1000, end)), p);
  }));
  return raw;
}

/** Measures the processor role Kafka→Kafka on `count` events over `partitions` raw partitions. */
export async function runProcessorKafka(count: number, partitions: number): Promise<ProcessorKafkaResult> {
  const lines = benchLines(count);
  const domain = await domainRate(lines);
  const raw = await fillRawTopic('bench-proc-raw', lines, partitions);

  const out = uniqueName('bench_proc').replace(/[^A-Za-z0-9_-]/g, '_');
  const group = uniqueName('bench-proc-group');
  const K = `kafka:///${BROKERS.join(',')}`;
  const config = parseProcessorArgs([
    FORMAT, `${K}?topics=${raw}&identity=${group}`, `${K}?topic=${out}_{schema}`, `${K}?topic=${out}-mixed`,
    '--output-invalid', `${K}?topic=${out}_EventError`, '--schemas-path', 'schemas', '--max-in-flight', process.env.EL_BENCH_MAX_IN_FLIGHT ?? '20000',
  ]);
  const role = createProcessor({ kind: 'processors', name: 'bench', file: '<bench>', config }, {
    logger: pino({ level: process.env.LOG_LEVEL ?? 'error' }), registry: new Registry(), onFatal: (e) => { throw e; },
  }, { commitIntervalMs: 100, ...(process.env.EL_BENCH_CHECK_THREADS !== undefined && { checkThreads: Number(process.env.EL_BENCH_CHECK_THREADS) }) });

  const admin = testKafka().admin();
  await admin.connect();
  const committed = async () => {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [raw] });
    return (entry?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  };
  await role.start();
  let firstAt = 0;
  let peakRss = process.memoryUsage.rss();
  for (;;) {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const parts = (role.status().details?.partitions ?? []) as Array<{ received: number }>;
    if (firstAt === 0 && parts.some((p) => p.received > 0)) firstAt = performance.now();
    if (firstAt !== 0 && (await committed()) >= count) break;
    await new Promise((r) => setTimeout(r, firstAt === 0 ? 5 : 50));
  }
  const seconds = (performance.now() - firstAt) / 1000;
  await role.stop();
  await admin.disconnect();
  const rate = count / seconds;
  return {
    events: count, partitions, seconds, eventsPerSec: rate, domainEventsPerSec: domain.rate, ratioToDomain: rate / domain.rate,
    peakRssMb: peakRss / 1024 / 1024,
  };
}
