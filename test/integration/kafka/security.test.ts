/**
 * TLS and SASL on a real broker (`scripts/kafka up --secure`, its own cluster on port base 9492,
 * CA and broker certificate made when it starts): the roles connect with the CA file;
 * the whole pipeline (intake -> processor -> consumer -> MariaDB)
 * runs over SASL_SSL with SCRAM-SHA-512 and over SASL_PLAINTEXT with PLAIN; every client
 * reads its password from a file or a variable named in the URI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConsumerArgs, parseIntakeArgs, parseProcessorArgs } from '../../../src/config/parse-role-args.js';
import { createConsumerRole } from '../../../src/roles/consumer/consumer-role.js';
import { createIntake } from '../../../src/roles/intake/intake-role.js';
import { createProcessorRole } from '../../../src/roles/processor/processor-role.js';
import { tableName } from '../../../src/domain/table/table-mapping.js';
import type { Role } from '../../../src/daemon/role.js';
import { uniqueName } from '../../helpers/kafka.js';
import { openDb } from '../../helpers/mariadb.js';
import { freshSchemaDir } from '../../helpers/capsules.js';
import { countFailedAuthentications, startSecureKafka, type SecureKafka } from '../../helpers/secure-kafka.js';
import { until } from '../../helpers/wait.js';
import { runInProcess } from '../../helpers/cli.js';
import { offsetsCommand } from '../../../src/cli/commands/offsets.js';
import { tailCommand } from '../../../src/cli/commands/tail.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const deps = (registry = new Registry()) => ({ logger, registry, onFatal: (e: Error) => { throw e; } });
const run = promisify(execFile);
const FORMAT = '%q %{recvFrom}s %{seqId}d %D %{ip}i %u';
let kafka: SecureKafka;

before(async () => {
  kafka = await startSecureKafka();
});

after(async () => {
  await kafka?.stop();
});

/** A file holding `secret`, as an operator would deploy it (the URI names the file, never the secret). */
function secretFile(secret: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'el-secret-')), 'password');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return file;
}

async function rows(table: string): Promise<number> {
  const conn = await openDb();
  try {
    const [result] = await conn.query(`SELECT COUNT(DISTINCT uuid) AS n FROM \`${table}\``).catch(() => [[{ n: 0 }]]);
    return Number((result as Array<{ n: number }>)[0]!.n);
  } finally {
    await conn.end();
  }
}

async function stopAll(roles: Role[]): Promise<void> {
  for (const role of roles.reverse()) await role.stop().catch(() => undefined);
}

/** intake -> raw topic -> processor -> valid-mixed -> consumer -> MariaDB, every client on `broker` with `options`. */
async function wholePipeline(broker: string, options: string): Promise<void> {
  const { dir, schema } = freshSchemaDir('Sec');
  const raw = uniqueName('el-sec-raw');
  const prefix = uniqueName('el-sec');
  const K = `kafka:///${broker}`;
  const intake = createIntake({
    kind: 'intakes', name: 'sec', file: 'test',
    config: parseIntakeArgs(['--port', '0', '--recv-from', 'sec.test', '--seq-state', join(mkdtempSync(join(tmpdir(), 'el-seq-')), 'seq'), `${K}?topic=${raw}&${options}`]),
  }, deps());
  const processor = createProcessorRole({
    kind: 'processors', name: 'sec', file: 'test',
    config: parseProcessorArgs(['--schemas-path', dir, '--output-invalid', `${K}?topic=${prefix}_EventError&${options}`, FORMAT,
      `${K}?topics=${raw}&identity=${uniqueName('el-sec-proc')}&${options}`, `${K}?topic=${prefix}-valid-mixed&${options}`]),
  }, deps());
  const consumerGroup = uniqueName('el-sec-mysql');
  const consumer = createConsumerRole({
    kind: 'consumers', name: 'sec', file: 'test',
    config: parseConsumerArgs([`${K}?topics=${prefix}-valid-mixed&identity=${consumerGroup}&${options}`,
      'mysql://root:@127.0.0.1:3306/test?batch_size=50&batch_time=0.2', '--schemas-path', dir]),
  }, deps());
  const roles: Role[] = [];
  try {
    for (const role of [intake, processor, consumer]) {
      roles.push(role);
      await role.start();
    }
    await until(() => intake.status().ready, 30_000, 'intake connected');
    const n = 30;
    for (let i = 0; i < n; i++) {
      const capsule = { schema, revision: 1, wiki: 'testwiki', webHost: 'test.example.org', event: { value: `v${i}` } };
      const r = await fetch(`http://${intake.address()}/beacon/event?${encodeURIComponent(JSON.stringify(capsule))};`);
      assert.equal(r.status, 204);
    }
    await until(async () => (await rows(tableName(schema, 1))) >= n, 60_000, `${n} rows through ${options}`);
    assert.equal(await rows(tableName(schema, 1)), n);
    for (const role of roles) assert.ok(role.status().healthy, `${role.spec.kind} healthy`);

    // The operator commands reach the same cluster with the same options: the consumer group's
    // offsets, and an EventError followed on its topic.
    const cluster = `${K}?${options}`;
    await until(async () => {
      const shown = await runInProcess((a, io) => offsetsCommand.run(a, io), ['show', '--brokers', cluster, '--group', consumerGroup, '--topic', `${prefix}-valid-mixed`, '--json'], { env: { ...process.env, LOG_LEVEL: 'silent' } });
      assert.equal(shown.code, 0, shown.err);
      const report = JSON.parse(shown.out) as { partitions: Array<{ committed: number | null }> };
      return report.partitions.reduce((sum, p) => sum + Math.max(0, p.committed ?? 0), 0) === n;
    }, 30_000, `offsets show over ${options}: ${n} committed`);
    const invalid = { schema, revision: 1, wiki: 'testwiki', webHost: 'test.example.org', event: { value: 5 } };
    assert.equal((await fetch(`http://${intake.address()}/beacon/event?${encodeURIComponent(JSON.stringify(invalid))};`)).status, 204);
    // The EventError topic is created when the processor writes its first error: until then
    // `tail` refuses the topic (exit 2), so ask again until it is there.
    let tailed = { code: -1, out: '', err: '' };
    await until(async () => {
      tailed = await runInProcess((a, io) => tailCommand.run(a, io), ['errors', '--brokers', cluster, '--topic', `${prefix}_EventError`, '--from-beginning', '--max', '1', '--json'], { env: { ...process.env, LOG_LEVEL: 'silent' } });
      return tailed.code === 0;
    }, 30_000, () => `tail errors over ${options}: exit ${tailed.code}, ${tailed.err}`);
    assert.equal((JSON.parse(tailed.out) as { schema: string; event: { schema: string } }).event.schema, schema);
  } finally {
    await stopAll(roles);
  }
}

test('TLS: a processor trusting the broker\'s CA reads and writes over SSL; capsules arrive', async () => {
  const { dir, schema } = freshSchemaDir('Tls');
  const raw = uniqueName('el-tls-raw');
  const out = uniqueName('el-tls-out');
  const tls = `security.protocol=ssl&ssl.ca.location=${encodeURIComponent(kafka.caFile)}`;
  const line = `?${encodeURIComponent(JSON.stringify({ schema, revision: 1, wiki: 'w', webHost: 'h', event: { value: 'tls' } }))};\ttls.test\t1\t2026-11-30T12:00:00\t127.0.0.1\tcurl`;
  const w = spawnSync('kcat', ['-b', kafka.ssl, '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${kafka.caFile}`, '-P', '-t', raw], { input: `${line}\n`, encoding: 'utf8', timeout: 30_000 });
  assert.equal(w.status, 0, w.stderr);
  const K = `kafka:///${kafka.ssl}`;
  const processor = createProcessorRole({
    kind: 'processors', name: 'tls', file: 'test',
    config: parseProcessorArgs(['--schemas-path', dir, FORMAT, `${K}?topics=${raw}&identity=${uniqueName('el-tls')}&${tls}`, `${K}?topic=${out}&${tls}`]),
  }, deps());
  await processor.start();
  try {
    const [capsule] = await kcatReadWhenThere(out);
    assert.equal((JSON.parse(capsule!) as { event: { value: string } }).event.value, 'tls');
    assert.ok(processor.status().healthy);
  } finally {
    await processor.stop();
  }
});

/** Polls kcat (asynchronously: the processor runs in this process) until a message is on `topic`. */
async function kcatReadWhenThere(topic: string): Promise<string[]> {
  let lines: string[] = [];
  await until(async () => {
    const { stdout } = await run('kcat', ['-b', kafka.plaintext, '-C', '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-q'], { timeout: 30_000 }).catch(() => ({ stdout: '' }));
    lines = stdout.split('\n').filter((l) => l.length > 0);
    return lines.length > 0;
  }, 60_000, `a message on ${topic}`);
  return lines;
}

test('SASL_SSL with SCRAM-SHA-512: intake -> processor -> consumer -> MariaDB', async () => {
  const options = [
    'security.protocol=sasl_ssl', `ssl.ca.location=${encodeURIComponent(kafka.caFile)}`, 'sasl.mechanism=SCRAM-SHA-512',
    `sasl.username=${kafka.scram.username}`, `sasl.password.file=${encodeURIComponent(secretFile(kafka.scram.password))}`,
  ].join('&');
  await wholePipeline(kafka.saslSsl, options);
});

test('SASL_PLAINTEXT with PLAIN (password from an environment variable): intake -> processor -> consumer -> MariaDB', async () => {
  process.env.EL_TEST_KAFKA_PASSWORD = kafka.plain.password;
  try {
    const options = ['security.protocol=sasl_plaintext', 'sasl.mechanism=PLAIN', `sasl.username=${kafka.plain.username}`, 'sasl.password.env=EL_TEST_KAFKA_PASSWORD'].join('&');
    await wholePipeline(kafka.saslPlaintext, options);
  } finally {
    delete process.env.EL_TEST_KAFKA_PASSWORD;
  }
});

/**
 * Logins the broker may count for one refused role: librdkafka reconnects (100 ms, doubling)
 * until the refusal reaches the role and until its handle is gone. 4 on an idle machine; a
 * loaded full run counted 6. What matters is that it stops: see `refused`.
 */
const MAX_REFUSED_LOGINS = 8;

/**
 * Starts `role` and waits until it shows failed; returns the seconds it took and its problem, and
 * checks the refusal is counted and not retried: the broker's count of failed SASL logins stays
 * put for 5 s after the failure.
 */
async function refused(role: Role, registry: Registry, countAttempts: () => number): Promise<{ seconds: number; problem: string; attempts: number }> {
  const before = countAttempts();
  const started = Date.now();
  await role.start();
  try {
    await until(() => role.status().state === 'failed', 10_000, () => `the failed state (state ${role.status().state})`);
    const seconds = (Date.now() - started) / 1000;
    const status = role.status();
    assert.equal(status.ready, false);
    assert.equal(status.healthy, false);
    const counted = (await registry.getSingleMetricAsString('eventlogging_kafka_auth_failures_total'));
    assert.match(counted, /eventlogging_kafka_auth_failures_total\{[^}]*\} [1-9]/, counted);
    await role.stop();
    // librdkafka's handle lives until its connect times out (10 s) and may log in once more
    // meanwhile; the broker writes its lines a moment after a client gave up. Count once all
    // that has passed, and check nothing is tried afterwards.
    await new Promise((r) => setTimeout(r, Math.max(0, started + 13_000 - Date.now())));
    const attempts = countAttempts() - before;
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(countAttempts() - before, attempts, 'no further login attempts once failed');
    return { seconds, problem: status.problem ?? '', attempts };
  } finally {
    await role.stop().catch(() => undefined);
  }
}

test('a wrong SCRAM password: the consumer role fails within 10 s, naming broker, mechanism and cause, after a bounded number of attempts', async () => {
  const { dir } = freshSchemaDir('Wrong');
  const wrong = 'not-the-password';
  const options = [
    'security.protocol=sasl_ssl', `ssl.ca.location=${encodeURIComponent(kafka.caFile)}`, 'sasl.mechanism=SCRAM-SHA-512',
    `sasl.username=${kafka.scram.username}`, `sasl.password.file=${encodeURIComponent(secretFile(wrong))}`,
  ].join('&');
  const registry = new Registry();
  const consumer = createConsumerRole({
    kind: 'consumers', name: 'wrong', file: 'test',
    config: parseConsumerArgs([`kafka:///${kafka.saslSsl}?topics=${uniqueName('el-wrong')}&identity=${uniqueName('el-wrong-g')}&${options}`,
      'mysql://root:@127.0.0.1:3306/test?batch_size=50&batch_time=0.2', '--schemas-path', dir]),
  }, deps(registry));
  const r = await refused(consumer, registry, () => countFailedAuthentications(kafka.logFile));
  assert.match(r.problem, new RegExp(`EL_KAFKA_AUTH.*${kafka.saslSsl.replace(/\./g, '\\.')}.*SCRAM-SHA-512.*authentication failed: check sasl.username`));
  assert.ok(!r.problem.includes(wrong), 'the password is not in the message');
  assert.ok(r.attempts >= 1 && r.attempts <= MAX_REFUSED_LOGINS, `failed logins counted by the broker: ${r.attempts}`);
  console.log(`wrong password: failed after ${r.seconds.toFixed(1)} s, ${r.attempts} login attempts`);
});

test('a wrong PLAIN password: the processor role (producer first) fails within 10 s, after a bounded number of attempts', async () => {
  const { dir } = freshSchemaDir('WrongPlain');
  process.env.EL_TEST_WRONG_PASSWORD = 'not-the-password';
  try {
    const options = ['security.protocol=sasl_plaintext', 'sasl.mechanism=PLAIN', `sasl.username=${kafka.plain.username}`, 'sasl.password.env=EL_TEST_WRONG_PASSWORD'].join('&');
    const K = `kafka:///${kafka.saslPlaintext}`;
    const registry = new Registry();
    const processor = createProcessorRole({
      kind: 'processors', name: 'wrong', file: 'test',
      config: parseProcessorArgs(['--schemas-path', dir, FORMAT, `${K}?topics=${uniqueName('el-wrong-raw')}&identity=${uniqueName('el-wrong-p')}&${options}`, `${K}?topic=${uniqueName('el-wrong-out')}&${options}`]),
    }, deps(registry));
    const r = await refused(processor, registry, () => countFailedAuthentications(kafka.logFile));
    assert.match(r.problem, /PLAIN/);
    assert.match(r.problem, /authentication/i);
    assert.ok(r.attempts >= 1 && r.attempts <= MAX_REFUSED_LOGINS, `failed logins counted by the broker: ${r.attempts}`);
    console.log(`wrong password (processor): failed after ${r.seconds.toFixed(1)} s, ${r.attempts} login attempts`);
  } finally {
    delete process.env.EL_TEST_WRONG_PASSWORD;
  }
});

test('TLS trusting another CA: the broker is refused with a clear error, not retried as unreachable', async () => {
  const { dir } = freshSchemaDir('Rogue');
  const tls = `security.protocol=ssl&ssl.ca.location=${encodeURIComponent(kafka.rogueCaFile)}`;
  const K = `kafka:///${kafka.ssl}`;
  const registry = new Registry();
  const processor = createProcessorRole({
    kind: 'processors', name: 'rogue', file: 'test',
    config: parseProcessorArgs(['--schemas-path', dir, FORMAT, `${K}?topics=${uniqueName('el-rogue-raw')}&identity=${uniqueName('el-rogue')}&${tls}`, `${K}?topic=${uniqueName('el-rogue-out')}&${tls}`]),
  }, deps(registry));
  // A refused certificate is no SASL login: the broker counts none.
  const r = await refused(processor, registry, () => 0);
  assert.match(r.problem, /TLS handshake failed: the broker certificate is not signed by the CA in ssl\.ca\.location/);
  console.log(`untrusted broker certificate: failed after ${r.seconds.toFixed(1)} s: ${r.problem}`);
});
