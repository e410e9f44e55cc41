// Chaos: the broker stops answering (SIGSTOP) while a partition has new durable records. The
// Kafka source must not report their commit (to the lag monitor, the committed-offset gauge and
// the partition actor) before the group coordinator has accepted it; once the broker answers
// again the commit is reported and stored. The broker is woken again, pass or fail.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { concatMap, map, of, Subject } from 'rxjs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKafkaSource } from '../../src/adapters/kafka/kafka-source.js';
import type { KafkaRecord } from '../../src/adapters/kafka/kafka-record.js';
import { BROKERS, freshTopic, produceLines, testKafka, uniqueName } from '../helpers/kafka.js';
import { until } from '../helpers/wait.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Signals the single broker of scripts/kafka, after checking its pid file names a Kafka broker. */
function signalBroker(signal: 'SIGSTOP' | 'SIGCONT'): void {
  const file = `${ROOT}.run/kafka/broker-1.pid`;
  if (!existsSync(file)) throw new Error(`no broker pid file at ${file}`);
  const pid = Number(readFileSync(file, 'utf8').trim());
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes('kafka.Kafka')) throw new Error(`pid ${pid} is not the Kafka broker`);
  process.kill(pid, signal);
}

after(() => {
  try { signalBroker('SIGCONT'); } catch { /* no broker of ours */ }
});

async function committed(group: string, topic: string): Promise<number | undefined> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return entry?.partitions.map((p) => Number(p.offset))[0];
  } finally {
    await admin.disconnect();
  }
}

test('a commit is reported only once the group coordinator has accepted it (broker frozen, then answering)', { timeout: 120_000 }, async () => {
  const topic = await freshTopic('el-chaos-commit', 1);
  const group = uniqueName('el-chaos-commit-group');
  await produceLines(topic, Array.from({ length: 200 }, (_, i) => `c-${i}`), 0);
  const release = new Subject<void>();
  let open = false;
  const reported: number[] = [];
  const source = createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'el-chaos-commit' },
    group, topics: [topic], logger, registry: new Registry(), role: 'test', commitIntervalMs: 100,
    // The first 100 records complete at once; the rest wait for the gate.
    pipeline: (records) => records.pipe(
      concatMap((r: KafkaRecord) => (r.offset < 100 || open ? of(r) : new Promise<KafkaRecord>((resolve) => {
        const s = release.subscribe(() => { s.unsubscribe(); resolve(r); });
      }))),
      map((r) => ({ offset: r.offset, count: 1 })),
    ),
  });
  source.onCommit((c) => reported.push(c.offset));
  source.start();
  let frozen = false;
  try {
    await until(() => reported.includes(100), 30_000, 'the commit of the first 100 records');
    signalBroker('SIGSTOP');
    frozen = true;
    open = true;
    release.next();
    await until(() => source.partitions()[0]?.inFlight === 0, 10_000, 'all 200 records durable');
    // The commit of 200 is sent now, to a broker that does not answer.
    await sleep(3000);
    assert.ok(!reported.includes(200), `no commit of 200 reported while the coordinator is silent (reported ${reported.join(', ')})`);
    assert.equal(source.partitions()[0]!.committedOffset, 100, 'the actor still counts 100 as committed');
    signalBroker('SIGCONT');
    frozen = false;
    await until(() => reported.includes(200), 30_000, 'the commit of 200 once the broker answers');
    assert.equal(await committed(group, topic), 200);
  } finally {
    if (frozen) signalBroker('SIGCONT');
    release.complete();
    await source.stop();
  }
});
