// The intake against the real broker: beacons over real HTTP end up as exact raw lines on a
// fresh topic, seqIds survive a restart without colliding, over-long beacons are never produced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { parseIntakeArgs } from '../../src/config/parse-role-args.js';
import { createIntake, type IntakeRole } from '../../src/roles/intake/intake-role.js';
import { BROKERS, consumeAll, freshTopic, testKafka, uniqueName } from '../helpers/kafka.js';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const silent = pino({ level: 'silent' });

function startIntake(args: string[], registry = new Registry(), options: Parameters<typeof createIntake>[2] = {}): { role: IntakeRole; registry: Registry } {
  const config = parseIntakeArgs(args);
  const role = createIntake({ kind: 'intakes', name: 'it', file: 'test', config }, { logger: silent, registry, onFatal: () => {} }, { clock: () => NOW, ...options });
  return { role, registry };
}

async function waitReady(role: IntakeRole, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!role.status().ready) {
    if (Date.now() > deadline) throw new Error(`intake not ready: ${JSON.stringify(role.status())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const beacon = (n: number) => encodeURIComponent(JSON.stringify({ schema: 'Test', revision: 1, event: { n } }));

async function dropped(registry: Registry, reason: string): Promise<number> {
  const m = await registry.getSingleMetric('eventlogging_intake_beacons_dropped_total')!.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

test('beacons become exact raw lines; a restart on the same seq state never reuses a seqId', async () => {
  const topic = await freshTopic('el-intake');
  const dir = await mkdtemp(join(tmpdir(), 'el-intake-'));
  const seqState = join(dir, 'intake.seq');
  const args = ['--port', '0', '--recv-from', 'it.example.org', '--seq-state', seqState, '--max-query-length', '256', `kafka:///${BROKERS.join(',')}?topic=${topic}`];
  try {
    const first = startIntake(args);
    await first.role.start();
    await waitReady(first.role);
    const base = `http://${first.role.address()}`;
    const sent: string[] = [];
    for (let n = 0; n < 20; n += 1) {
      const q = `${beacon(n)};`;
      sent.push(q);
      const res = await fetch(`${base}/beacon/event?${q}`, { method: n % 2 ? 'POST' : 'GET', headers: { 'user-agent': `agent-${n}` } });
      assert.equal(res.status, 204);
    }
    // Over-long: answered 414, counted, never produced.
    const long = await fetch(`${base}/beacon/event?${'x'.repeat(300)}`);
    assert.equal(long.status, 414);
    assert.equal(await dropped(first.registry, 'too_long'), 1);
    await first.role.stop();

    const firstBlock = JSON.parse(await readFile(seqState, 'utf8')) as { next: number };
    const second = startIntake(args);
    await second.role.start();
    await waitReady(second.role);
    for (let n = 20; n < 25; n += 1) {
      const q = `${beacon(n)};`;
      sent.push(q);
      assert.equal((await fetch(`http://${second.role.address()}/beacon/event?${q}`, { headers: { 'user-agent': `agent-${n}` } })).status, 204);
    }
    await second.role.stop();

    // One extra expected line would show up as a 26th value: consumeAll returns all that arrived.
    const lines = await consumeAll(topic, sent.length, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(lines.length, sent.length);
    const fields = lines.map((l) => l.split('\t'));
    assert.ok(fields.every((f) => f.length === 6));
    assert.deepEqual(fields.map((f) => f[0]), sent.map((q) => `?${q}`));
    assert.ok(fields.every((f) => f[1] === 'it.example.org' && f[3] === '2024-06-01T12:00:00' && f[4] === '127.0.0.1'));
    assert.deepEqual(fields.map((f) => f[5]), sent.map((_, n) => `agent-${n}`));
    const seqIds = fields.map((f) => Number(f[2]));
    for (let i = 1; i < seqIds.length; i += 1) assert.ok(seqIds[i]! > seqIds[i - 1]!, `seqIds increase: ${seqIds.join(',')}`);
    assert.equal(new Set(seqIds).size, seqIds.length);
    // The restarted intake starts at the first block's persisted mark, above everything used before.
    assert.equal(seqIds[0], 1);
    assert.equal(seqIds[20], firstBlock.next);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('while the output is unreachable the intake is not ready and beacons get 503', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'el-intake-'));
  try {
    // An output whose broker refuses connections (a real client would retry for seconds before
    // reporting it, which only slows the test down): connecting fails and is retried.
    let attempts = 0;
    const output = {
      connect: async () => {
        attempts += 1;
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      },
      connected: () => false,
      sendLines: async () => assert.fail('nothing may be sent while disconnected'),
      close: async () => {},
    };
    const { role, registry } = startIntake(['--port', '0', '--seq-state', join(dir, 's.seq'), 'kafka:///127.0.0.1:1?topic=nowhere'], new Registry(), { output });
    await role.start();
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(attempts >= 2, `connect is retried (${attempts} attempts)`);
    assert.equal(role.status().ready, false);
    const res = await fetch(`http://${role.address()}/beacon/event?${beacon(1)}`);
    assert.equal(res.status, 503);
    assert.equal(await dropped(registry, 'producer_down'), 1);
    await role.stop();
    assert.equal(role.status().state, 'stopped');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('POST /v1/events: valid capsules to the schema and mixed topics, invalid ones as EventErrors', async () => {
  const base = uniqueName('el-intake-v1');
  const [raw, test1, mixed, errors] = [`${base}-raw`, `${base}_Test`, `${base}_mixed`, `${base}_errors`];
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [raw, test1, mixed, errors].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })) });
  } finally {
    await admin.disconnect();
  }
  const dir = await mkdtemp(join(tmpdir(), 'el-intake-'));
  const schemas = join(import.meta.dirname, '..', '..', 'schemas');
  const uri = `kafka:///${BROKERS.join(',')}?topic=${raw}&events_topic=${base}_{schema}&mixed_topic=${mixed}&error_topic=${errors}`;
  const { role } = startIntake(['--port', '0', '--recv-from', 'v1.example.org', '--seq-state', join(dir, 's.seq'), '--schemas-path', schemas, uri]);
  try {
    await role.start();
    await waitReady(role);
    const post = (body: unknown) => fetch(`http://${role.address()}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'it-server/1.0' }, body: JSON.stringify(body) });
    const ok = await post({ schema: 'Test', revision: 1, wiki: 'enwiki', event: { value: 'a' } });
    assert.equal(ok.status, 201);
    const some = await post([{ schema: 'Test', revision: 1, wiki: 'enwiki', event: { value: 'b' } }, { schema: 'Test', revision: 1, wiki: 'enwiki', event: { value: 3 } }]);
    assert.equal(some.status, 207);
    const body = (await some.json()) as { errors: Array<{ index: number; message: string }> };
    assert.deepEqual(body.errors.map((e) => e.index), [1]);
    assert.match(body.errors[0]!.message, /event\.value/);
    const none = await post({ schema: 'Missing', revision: 1, wiki: 'enwiki', event: {} });
    assert.equal(none.status, 400);

    const valid = (await consumeAll(test1, 2)).map((v) => JSON.parse(v) as Record<string, unknown>);
    assert.deepEqual(valid.map((c) => (c.event as { value: string }).value), ['a', 'b']);
    assert.ok(valid.every((c) => c.recvFrom === 'v1.example.org' && c.dt === '2024-06-01T12:00:00Z' && /^[0-9a-f]{32}$/.test(c.uuid as string)));
    assert.equal(new Set(valid.map((c) => c.seqId)).size, 2);
    assert.equal((valid[0]!.userAgent as { browser_family: string }).browser_family, 'Other');
    assert.deepEqual((await consumeAll(mixed, 2)).map((v) => JSON.parse(v).uuid), valid.map((c) => c.uuid));
    const errs = (await consumeAll(errors, 2)).map((v) => JSON.parse(v) as { schema: string; event: { schema: string; code: string } });
    assert.deepEqual(errs.map((e) => [e.schema, e.event.code, e.event.schema]), [['EventError', 'validation', 'Test'], ['EventError', 'processor', 'Missing']]);
  } finally {
    await role.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
