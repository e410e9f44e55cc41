/**
 * Every codec a writer may choose, end to end on the real broker: raw lines written by kcat
 * (librdkafka's command-line client, standing in for varnishkafka) with gzip, snappy, lz4 and zstd
 * are processed into capsules and MariaDB rows; the processor's and the intake's own output in each
 * codec is stored compressed with it and read back by kcat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConsumerArgs, parseIntakeArgs, parseProcessorArgs } from '../../../src/config/parse-role-args.js';
import { createConsumerRole } from '../../../src/roles/consumer/consumer-role.js';
import { createIntake } from '../../../src/roles/intake/intake-role.js';
import { formatRawLine } from '../../../src/roles/intake/raw-line.js';
import { createProcessorRole } from '../../../src/roles/processor/processor-role.js';
import { tableName } from '../../../src/domain/table/table-mapping.js';
import { BROKERS, freshTopic, topicSize, uniqueName } from '../../helpers/kafka.js';
import { openDb } from '../../helpers/mariadb.js';
import { freshSchemaDir } from '../../helpers/capsules.js';
import { until } from '../../helpers/wait.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const K = `kafka:///${BROKERS.join(',')}`;
const deps = (registry = new Registry()) => ({ logger, registry, onFatal: (e: Error) => { throw e; } });
const ROOT = new URL('../../..', import.meta.url).pathname;
/** The record-batch attribute bits of each codec (Kafka's on-disk format, low three bits). */
const CODEC_ID = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
type Codec = 'gzip' | 'snappy' | 'lz4' | 'zstd';

function kcat(args: string[], input?: string): string {
  const r = spawnSync('kcat', ['-b', BROKERS[0]!, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `kcat ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Reads every message of a topic with kcat (which decompresses whatever codec it finds). */
function kcatRead(topic: string, count: number): string[] {
  return kcat(['-C', '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-q']).split('\n').filter((l) => l.length > 0);
}

/**
 * The codecs of the record batches stored for partition 0 of `topic`, read from the broker's
 * segment files: only the batch header is looked at (attributes at byte 21 of each batch).
 */
function storedCodecs(topic: string): Set<number> {
  const dataRoot = join(ROOT, '.run/kafka/data');
  const codecs = new Set<number>();
  for (const broker of readdirSync(dataRoot)) {
    const dir = join(dataRoot, broker, `${topic}-0`);
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.log'));
    } catch {
      continue;
    }
    for (const file of files) {
      const bytes = readFileSync(join(dir, file));
      for (let at = 0; at + 23 <= bytes.length;) {
        const length = bytes.readInt32BE(at + 8);
        codecs.add(bytes.readInt16BE(at + 21) & 0x07);
        at += 12 + length;
      }
    }
  }
  return codecs;
}

async function rowCount(table: string): Promise<number> {
  const conn = await openDb();
  try {
    const [rows] = await conn.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT uuid) AS u FROM \`${table}\``).catch(() => [[{ n: 0, u: 0 }]]);
    const { n, u } = (rows as Array<{ n: number; u: number }>)[0]!;
    assert.equal(n, u, 'no uuid twice');
    return n;
  } finally {
    await conn.end();
  }
}

async function codecEndToEnd(codec: Codec): Promise<void> {
  const n = 300;
  const raw = await freshTopic(`el-codec-raw-${codec}`, 1);
  const prefix = uniqueName(`el-codec-${codec}`);
  const { dir, schema } = freshSchemaDir('Codec');
  const lines = Array.from({ length: n }, (_, i) => formatRawLine({
    query: encodeURIComponent(JSON.stringify({ schema, revision: 1, wiki: 'testwiki', webHost: 'test.example.org', event: { value: `${codec}-${i}` } })),
    recvFrom: `kcat.${codec}`, seqId: i, receivedAt: Date.UTC(2026, 10, 30, 12, 0, i % 60), ip: '127.0.0.1', userAgent: 'kcat',
  }));
  // varnishkafka's part: librdkafka writes the raw topic with the codec.
  kcat(['-P', '-t', raw, '-z', codec], `${lines.join('\n')}\n`);
  assert.deepEqual(storedCodecs(raw), new Set([CODEC_ID[codec]]), `kcat stored ${codec} batches`);

  const processor = createProcessorRole({
    kind: 'processors', name: `codec-${codec}`, file: 'test',
    config: parseProcessorArgs([
      '--schemas-path', dir, '--output-invalid', `${K}?topic=${prefix}_EventError&compression.codec=${codec}`,
      '%q %{recvFrom}s %{seqId}d %D %{ip}i %u',
      `${K}?topics=${raw}&identity=${uniqueName('el-codec-proc')}`,
      `${K}?topic=${prefix}_{schema}&compression.codec=${codec}`, `${K}?topic=${prefix}-valid-mixed&compression.codec=${codec}`,
    ]),
  }, deps());
  const consumer = createConsumerRole({
    kind: 'consumers', name: `codec-${codec}`, file: 'test',
    config: parseConsumerArgs([
      `${K}?topics=${prefix}-valid-mixed&identity=${uniqueName('el-codec-mysql')}`,
      'mysql://root:@127.0.0.1:3306/test?batch_size=100&batch_time=0.2',
      '--schemas-path', dir, '--error-output', `${K}?topic=${prefix}_EventError`,
    ]),
  }, deps());
  await processor.start();
  await consumer.start();
  try {
    const table = tableName(schema, 1);
    await until(async () => (await rowCount(table)) >= n, 60_000, `${n} rows from ${codec} raw lines`);
    assert.equal(await rowCount(table), n);
    assert.equal(await topicSize(`${prefix}_EventError`).catch(() => 0), 0, 'no EventError');
    // The processor's own output: stored with the codec, and kcat reads it back.
    const mixed = `${prefix}-valid-mixed`;
    assert.deepEqual(storedCodecs(mixed), new Set([CODEC_ID[codec]]), `processor wrote ${codec} batches`);
    const read = kcatRead(mixed, n).map((m) => JSON.parse(m) as { event: { value: string }; recvFrom: string });
    assert.equal(read.length, n);
    assert.deepEqual(new Set(read.map((c) => c.event.value)), new Set(lines.map((_, i) => `${codec}-${i}`)));
  } finally {
    await consumer.stop();
    await processor.stop();
  }
}

async function intakeWrites(codec: Codec): Promise<void> {
  const topic = await freshTopic(`el-codec-intake-${codec}`, 1);
  const intake = createIntake({
    kind: 'intakes', name: `codec-${codec}`, file: 'test',
    config: parseIntakeArgs(['--port', '0', '--recv-from', `intake.${codec}`, '--seq-state', join(mkdtempSync(join(tmpdir(), 'el-seq-')), 'seq'),
      `${K}?topic=${topic}&compression.codec=${codec}`]),
  }, deps());
  await intake.start();
  try {
    await until(() => intake.status().ready, 20_000, 'intake ready');
    const n = 50;
    await Promise.all(Array.from({ length: n }, async (_, i) => {
      const r = await fetch(`http://${intake.address()}/beacon/event?${encodeURIComponent(JSON.stringify({ schema: 'Test', revision: 1, event: { value: `b${i}` } }))};`);
      assert.equal(r.status, 204);
    }));
    await until(async () => (await topicSize(topic)) >= n, 20_000, `${n} raw lines`);
    // librdkafka sends a batch uncompressed when compressing would not make it smaller (one
    // short line can be a batch of its own): the codec, and at most that fallback.
    const stored = storedCodecs(topic);
    assert.ok(stored.has(CODEC_ID[codec]), `intake wrote ${codec} batches (stored: ${[...stored].join(', ')})`);
    assert.ok([...stored].every((c) => c === CODEC_ID[codec] || c === 0), `intake wrote only ${codec} or uncompressed batches (stored: ${[...stored].join(', ')})`);
    const read = kcatRead(topic, n);
    assert.equal(read.length, n);
    assert.ok(read.every((l) => l.split('\t')[1] === `intake.${codec}`), 'raw lines as the intake wrote them');
  } finally {
    await intake.stop();
  }
}

for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
  test(`raw lines kcat wrote with ${codec} become capsules and MariaDB rows; the processor's ${codec} output reads back in kcat`, () => codecEndToEnd(codec));
  test(`the intake writes ${codec} batches that kcat reads back`, () => intakeWrites(codec));
}
