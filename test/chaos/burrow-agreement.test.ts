// Chaos: the real Burrow (Debian package `burrow` 1.2.1, `/usr/bin/Burrow`, with a ZooKeeper
// 3.8 started from the Kafka jars in .cache/kafka/lib) watches the same consumer group as our
// lag monitor, through a stall (the group stops committing while producing continues) and a
// recovery; both must agree on the group status: OK, then ERR (partition STOP/STALL), then OK.
//
// What works with Burrow 1.2.1 (sarama, `kafka-version = "2.1.0"`) against Kafka 3.9: offset
// commits in __consumer_offsets decode (key v1, value v3) and broker heads are read, so its
// status API judges our group. Group *metadata* records (value version 3 and up) do not decode
// ("failed to decode ... reason: value version, version: 3" in its log): Burrow shows no
// owner/client id for the partitions, which this test does not compare.
//
// Needs: `scripts/kafka up` (any number of brokers) at EL_KAFKA_PORT_BASE (default 9092), java,
// and the `burrow` Debian package (EL_BURROW_BIN overrides the binary). ZooKeeper listens on
// BASE+3000 and Burrow's HTTP on BASE+3001 (loopback only); both are children of this test and
// are stopped in `after`. It only adds fresh topics and groups to the cluster. The last test
// drives the stall watchdog (Burrow verdicts → partition restart) against the real broker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatMap } from 'rxjs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createKafkaSource, type KafkaSource } from '../../src/adapters/kafka/kafka-source.js';
import type { PartitionPipeline } from '../../src/adapters/kafka/kafka-record.js';
import { createLagMonitor, type LagMonitor } from '../../src/supervision/lag-monitor.js';
import { kafkaLagIo } from '../../src/adapters/kafka/kafka-lag-io.js';
import { createStallWatchdog, withStallWatchdog } from '../../src/supervision/stall-watchdog.js';
import { clusterBrokers, freshTopic, testKafka, testProducer, uniqueName } from '../helpers/kafka.js';
import { until } from '../helpers/wait.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const BASE = Number(process.env.EL_KAFKA_PORT_BASE ?? 9092);
const BROKERS = [`127.0.0.1:${BASE}`];
const ZK_PORT = BASE + 3000;
const BURROW_PORT = BASE + 3001;
const BURROW_BIN = process.env.EL_BURROW_BIN ?? '/usr/bin/Burrow';
const CLUSTER = 'el';
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let work = '';
const children: ChildProcess[] = [];

function startChild(name: string, command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  child.on('exit', (code, signal) => { log.push(`[${name} exited ${code ?? signal}]`); });
  (child as ChildProcess & { log: string[] }).log = log;
  children.push(child);
  return child;
}

/** True once ZooKeeper answers the `srvr` four-letter word with its mode (it is serving). */
async function zkServing(): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise<boolean>((resolve) => {
    let answer = '';
    const s = connect(ZK_PORT, '127.0.0.1', () => s.write('srvr'));
    s.on('data', (d: Buffer) => { answer += d.toString(); });
    s.on('end', () => resolve(/Mode:/.test(answer)));
    s.on('error', () => resolve(false));
    s.setTimeout(2000, () => { s.destroy(); resolve(false); });
  });
}

/**
 * A fresh topic every broker already knows, so that our consumer's first join does not meet a
 * broker that still answers "does not host this topic-partition" and stall this test for a reason
 * that is not Burrow's.
 */
async function topicEverywhere(prefix: string, partitions: number): Promise<string> {
  const topic = await freshTopic(prefix, partitions, 1, BROKERS);
  for (const b of await clusterBrokers(BROKERS)) {
    await until(async () => {
      const one = testKafka([`${b.host}:${b.port}`], 'el-burrow-admin').admin();
      await one.connect();
      try {
        const [described] = await one.fetchTopicMetadata({ topics: [topic] });
        return (described?.partitions ?? []).filter((p) => p.leader >= 0).length === partitions;
      } finally {
        await one.disconnect();
      }
    }, 30_000, `broker ${b.id} knowing ${topic}`);
  }
  return topic;
}

// Burrow answers loosely typed JSON; the tests read the fields they compare.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function burrowGet(path: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${BURROW_PORT}${path}`);
  return res.json();
}

before(async () => {
  assert.ok(existsSync(BURROW_BIN), `Burrow binary not found at ${BURROW_BIN} (apt-get install burrow)`);
  assert.ok(existsSync(join(ROOT, '.cache/kafka/lib')), 'Kafka jars missing: run scripts/kafka up first');
  work = mkdtempSync(join(tmpdir(), 'el-burrow-'));
  writeFileSync(join(work, 'zoo.cfg'), [
    `dataDir=${join(work, 'zk')}`, `clientPort=${ZK_PORT}`, 'clientPortAddress=127.0.0.1', 'tickTime=2000',
    'admin.enableServer=false', '4lw.commands.whitelist=srvr', '',
  ].join('\n'));
  startChild('zookeeper', 'java', ['-Xmx128m', '-cp', join(ROOT, '.cache/kafka/lib/*'),
    `-Dlog4j.configuration=file:${join(ROOT, 'scripts/kafka-lib/log4j.properties')}`,
    'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(work, 'zoo.cfg')]);
  const servers = JSON.stringify(BROKERS);
  writeFileSync(join(work, 'burrow.toml'), `
[general]
pidfile="${join(work, 'burrow.pid')}"
stdout-logfile="${join(work, 'burrow.out')}"
[logging]
filename="${join(work, 'burrow.log')}"
level="info"
[zookeeper]
servers=["127.0.0.1:${ZK_PORT}"]
timeout=6
root-path="/burrow"
[client-profile.el]
client-id="burrow-el"
kafka-version="2.1.0"
[cluster.${CLUSTER}]
class-name="kafka"
servers=${servers}
client-profile="el"
topic-refresh=2
offset-refresh=1
[consumer.${CLUSTER}]
class-name="kafka"
cluster="${CLUSTER}"
servers=${servers}
client-profile="el"
start-latest=true
[httpserver.default]
address="127.0.0.1:${BURROW_PORT}"
[storage.default]
class-name="inmemory"
workers=2
intervals=10
expire-group=604800
min-distance=1
[evaluator.default]
class-name="caching"
expire-cache=1
`);
  // Burrow gives up at start if ZooKeeper is not serving yet (its port opens before it serves).
  await until(() => zkServing(), 60_000, `ZooKeeper serving on 127.0.0.1:${ZK_PORT}`);
  startChild('burrow', BURROW_BIN, ['-config-dir', work]);
  try {
    await until(async () => ((await burrowGet('/v3/kafka')).clusters ?? []).includes(CLUSTER), 60_000, 'Burrow HTTP API listing our cluster');
  } catch (error) {
    const out = ['burrow.out', 'burrow.log'].map((f) => (existsSync(join(work, f)) ? readFileSync(join(work, f), 'utf8').slice(-3000) : ''));
    throw new Error(`${(error as Error).message}\n${children.map((c) => (c as ChildProcess & { log: string[] }).log.join('').slice(-2000)).join('\n')}\n${out.join('\n')}`);
  }
}, { timeout: 180_000 });

after(async () => {
  for (const child of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Burrow's group status and its partitions' statuses (from the lag endpoint, which lists them all). */
async function burrowStatus(group: string): Promise<{ status: string; partitions: string[] } | undefined> {
  const body = await burrowGet(`/v3/kafka/${CLUSTER}/consumer/${group}/lag`);
  if (body.error) return undefined;
  return { status: body.status.status, partitions: (body.status.partitions ?? []).map((p: { status: string }) => p.status) };
}

function ourStatus(monitor: LagMonitor, group: string): { status: string; partitions: string[] } | undefined {
  const r = monitor.groupStatus(group);
  return r ? { status: r.status, partitions: r.partitions.map((p) => p.status) } : undefined;
}

test('Burrow and our lag monitor agree on a group through a stall and a recovery', { timeout: 300_000 }, async (t) => {
  const topic = await topicEverywhere('el-burrow', 2);
  const group = uniqueName('el-burrow-group');
  const registry = new Registry();
  let stalled = false;
  // Records complete at once, except while stalled: then the pipeline holds them, so nothing
  // becomes durable and the source commits nothing, exactly like a wedged sink.
  const pipeline: PartitionPipeline = (records) => records.pipe(concatMap(async (r) => {
    while (stalled) await sleep(100);
    return { offset: r.offset, count: 1 };
  }));
  const lagIo = kafkaLagIo(testKafka(BROKERS, 'el-burrow-lag'));
  const monitor = createLagMonitor({ cluster: CLUSTER, now: Date.now, fetchHeads: lagIo.fetchHeads, close: lagIo.close, registry, logger, pollIntervalMs: 1000, evaluateEveryMs: 1000 });
  const source: KafkaSource = createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'el-burrow-test' },
    group, topics: [topic], pipeline, logger, registry, role: 'test/burrow', commitIntervalMs: 1000,
  });
  monitor.watchSource('test/burrow', group, source);
  const producer = testProducer(BROKERS, 'el-burrow-producer');
  let producing = true;
  let sent = 0;
  const agreements: string[] = [];

  /**
   * Waits until both say `expected` for the group with every partition passing `partitionOk`.
   * The partitions are part of the wait, not a check after it: a group turns ERR as soon as one
   * partition does, and the others follow at their own evaluation (each partition's window has
   * its own span), so a snapshot at the group's first ERR can hold one partition still OK.
   */
  const bothSay = async (expected: string, partitionOk: (s: string) => boolean, boundMs: number) => {
    const started = Date.now();
    let ours: ReturnType<typeof ourStatus>;
    let theirs: Awaited<ReturnType<typeof burrowStatus>>;
    let oursAt = 0;
    let theirsAt = 0;
    await until(async () => {
      ours = ourStatus(monitor, group);
      theirs = await burrowStatus(group);
      if (ours?.status === expected && oursAt === 0) oursAt = Date.now() - started;
      if (theirs?.status === expected && theirsAt === 0) theirsAt = Date.now() - started;
      return ours?.status === expected && theirs?.status === expected
        && ours.partitions.length > 0 && ours.partitions.every(partitionOk)
        && theirs.partitions.length > 0 && theirs.partitions.every(partitionOk);
    }, boundMs, () => `both statuses ${expected} with every partition as expected (ours ${JSON.stringify(ours)}, Burrow ${JSON.stringify(theirs)})`);
    agreements.push(`${expected} (ours after ${oursAt} ms, Burrow after ${theirsAt} ms; partitions ours ${ours!.partitions.join('/')}, Burrow ${theirs!.partitions.join('/')})`);
  };

  try {
    await producer.connect();
    const producingLoop = (async () => {
      while (producing) {
        await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m-${sent + i}` })) });
        sent += 10;
        await sleep(200);
      }
    })();
    source.start();
    monitor.start();
    await until(() => source.state() === 'running', 60_000, 'our consumer running');
    await until(async () => (await burrowGet(`/v3/kafka/${CLUSTER}/consumer`)).consumers?.includes(group), 60_000, 'Burrow listing our group');

    // Healthy: committing every second while keeping up.
    await bothSay('OK', (s) => s === 'OK' || s === 'WARN', 60_000);

    // Stall: no record becomes durable, so no commit; producing goes on.
    stalled = true;
    await bothSay('ERR', (s) => s === 'STOP' || s === 'STALL', 90_000);

    // Recovery: the held records complete, the group commits and catches up.
    producing = false;
    await producingLoop;
    stalled = false;
    await bothSay('OK', (s) => s === 'OK', 90_000);
    for (const a of agreements) t.diagnostic(a);
    t.diagnostic(`produced ${sent}`);
  } finally {
    producing = false;
    stalled = false;
    await source.stop().catch(() => undefined);
    await monitor.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    if (process.env.TEST_LOG_LEVEL && work) {
      t.diagnostic(readFileSync(join(work, 'burrow.log'), 'utf8').split('\n').slice(-20).join('\n'));
    }
  }
});

test('a partition our monitor judges STOP with lag is restarted by the stall watchdog, and no record is lost', { timeout: 180_000 }, async (t) => {
  const topic = await topicEverywhere('el-stall', 1);
  const group = uniqueName('el-stall-group');
  const registry = new Registry();
  const completed = new Set<number>();
  let wedged = false;
  // The sink hangs once at offset 200 and never answers: the actor stays `flowing` with nothing
  // completing, and the member stays alive and "running" while the partition makes no progress,
  // which only the lag shows. (A pipeline that fails is restarted by the partition's own restart
  // supervisor within a second; the watchdog is for the wedge that never fails.)
  const pipeline: PartitionPipeline = (records) => records.pipe(concatMap(async (r) => {
    if (r.offset === 200 && !wedged) {
      wedged = true;
      await new Promise<never>(() => undefined);
    }
    completed.add(r.offset);
    return { offset: r.offset, count: 1 };
  }));
  const lagIo = kafkaLagIo(testKafka(BROKERS, 'el-stall-lag'));
  const monitor = createLagMonitor({ cluster: CLUSTER, now: Date.now, fetchHeads: lagIo.fetchHeads, close: lagIo.close, registry, logger, pollIntervalMs: 1000, evaluateEveryMs: 1000 });
  const watchdog = createStallWatchdog({ graceMs: 3000, checkEveryMs: 500, now: Date.now, registry, logger });
  const lag = withStallWatchdog(monitor, watchdog);
  const source = createKafkaSource({
    endpoint: { brokers: BROKERS, clientId: 'el-stall-test' },
    group, topics: [topic], pipeline, logger, registry, role: 'test/stall', commitIntervalMs: 1000,
    // The wedged record never finishes: the restart's drain gives up on it after this.
    drainTimeoutMs: 2000,
  });
  lag.hookFor('test/stall').watchSource(group, source);
  const producer = testProducer(BROKERS, 'el-stall-producer');
  let sent = 0;
  const produce = async (n: number) => {
    await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: `s-${sent + i}` })) });
    sent += n;
  };
  const restarts = async () => ((await registry.getMetricsAsJSON()).find((m) => m.name === 'eventlogging_partition_restarts_total')?.values ?? [])
    .reduce((n, v) => n + Number(v.value), 0);
  try {
    await producer.connect();
    source.start();
    lag.start();
    // Six seconds of healthy commits give the window a span; the sink dies at offset 200 on the way.
    for (let i = 0; i < 6; i += 1) {
      await produce(50);
      await sleep(1000);
    }
    await until(() => wedged, 30_000, 'the sink to hang at offset 200');
    const wedgedAt = Date.now();
    await until(async () => {
      await produce(10);
      return (await restarts()) >= 1;
    }, 90_000, 'a partition restart by the watchdog');
    t.diagnostic(`restarted ${Date.now() - wedgedAt} ms after the sink hung (grace 3000 ms)`);
    await produce(10);
    await until(async () => {
      const p = source.partitions()[0];
      return p !== undefined && p.committedOffset === sent;
    }, 60_000, `committed up to ${sent}`);
    const missing = Array.from({ length: sent }, (_, i) => i).filter((o) => !completed.has(o));
    assert.deepEqual(missing, [], 'every offset completed after the restart');
    assert.equal(source.state(), 'running');
    assert.ok((await restarts()) >= 1);
    await until(async () => monitor.groupStatus(group)?.status === 'OK', 30_000, 'Burrow status OK after the restart');
  } finally {
    await lag.stop().catch(() => undefined);
    await source.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
});
