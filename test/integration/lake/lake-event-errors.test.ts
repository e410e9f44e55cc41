import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROKERS, committedTotal, consumeAll, freshTopic, testProducer, uniqueName } from '../../helpers/kafka.js';
import { buildCli } from '../../helpers/daemon.js';
import { until } from '../../helpers/wait.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/eventlogging');

before(() => buildCli());

const capsule = (n: number, schema = 'MobileWikiAppEdit', extra: Record<string, unknown> = {}) => JSON.stringify({
  schema, revision: 1, wiki: 'enwiki', webHost: 'en.m.wikipedia.org', recvFrom: 'cp1', seqId: n, dt: '2017-11-20T19:00:07Z',
  uuid: n.toString(16).padStart(32, '0'), userAgent: null, event: { userID: n, action: 'saved' }, ...extra,
});

test('records the lake cannot store become EventErrors naming their offset and reason, written before their offsets are committed', { timeout: 120_000 }, async () => {
  const schemas = mkdtempSync(join(tmpdir(), 'el-lake-schemas-'));
  mkdirSync(join(schemas, 'MobileWikiAppEdit'));
  writeFileSync(join(schemas, 'MobileWikiAppEdit', '1.json'), JSON.stringify({ type: 'object', properties: { userID: { type: 'integer' }, action: { type: 'string' } } }));
  const topic = await freshTopic('el-lake-bad', 1);
  const errorTopic = await freshTopic('el-lake-bad-errors', 1);
  const group = uniqueName('el-lake-bad-group');
  const lake = mkdtempSync(join(tmpdir(), 'el-lake-'));
  // Offsets 0..7, in this order.
  const values: Array<string | null> = [
    capsule(1),
    null,
    'not json at all',
    '{"schema": "MobileWikiAppEdit", "revision": 1, "uuid": "nope", "dt": "2017-11-20T19:00:07Z", "event": {}}',
    capsule(2, 'NoSuchSchema'),
    '{"a":\n1}',
    capsule(3, 'MobileWikiAppEdit', { dt: '2017-11-20T21:00:07+02:00' }),
    capsule(4),
  ];
  const producer = testProducer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ value, partition: 0 })) });
  } finally {
    await producer.disconnect();
  }
  const lakeProcess: ChildProcess = spawn(process.execPath, [bin, 'lake', '--schemas-path', schemas, '--batch-seconds', '1',
    '--error-output', `kafka:///${BROKERS.join(',')}?topic=${errorTopic}`,
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${group}`, `file://${lake}`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  let stderr = '';
  lakeProcess.stderr!.on('data', (d) => { stderr += String(d); });
  try {
    await until(async () => (await committedTotal(group, topic)) === values.length, 60_000, `all ${values.length} offsets committed`);
  } finally {
    const exited = new Promise((resolve) => lakeProcess.on('exit', resolve));
    lakeProcess.kill('SIGTERM');
    await exited;
  }
  // Committed means the EventErrors were already acknowledged: all six are there.
  const errors = (await consumeAll(errorTopic, 6, 30_000)).map((v) => JSON.parse(v) as { schema: string; event: Record<string, unknown> });
  assert.equal(errors.length, 6, stderr);
  const byOffset = new Map(errors.map((e) => [e.event.offset, e]));
  const expected: Array<[number, string, string]> = [
    [1, 'EL_PARSE_FAILED', 'tombstone'],
    [2, 'EL_PARSE_FAILED', 'does not start a JSON object'],
    [3, 'EL_VALIDATION_FAILED', 'needs a schema name'],
    [4, 'EL_SCHEMA_NOT_FOUND', 'NoSuchSchema revision 1'],
    [5, 'EL_PARSE_FAILED', 'line break'],
    [6, 'EL_VALIDATION_FAILED', 'needs a schema name'],
  ];
  for (const [offset, errorCode, message] of expected) {
    const e = byOffset.get(offset);
    assert.ok(e, `an EventError for offset ${offset}: ${JSON.stringify(errors.map((x) => x.event.offset))}`);
    assert.equal(e.schema, 'EventError');
    assert.deepEqual([e.event.errorCode, e.event.code, e.event.stage, e.event.topic, e.event.partition], [errorCode, 'consumer', 'lake', topic, 0]);
    assert.ok(String(e.event.message).includes(message), `${offset}: ${String(e.event.message)}`);
    assert.equal(e.event.rawEvent, values[offset] ?? '', `offset ${offset} keeps the record as it came`);
  }
  assert.equal(byOffset.get(4)!.event.schema, 'NoSuchSchema');
  // The good rows are in the lake, and nothing else.
  const r = spawnSync(process.execPath, [bin, 'query', '--lake', lake, '--json', 'SELECT uuid FROM event.MobileWikiAppEdit ORDER BY uuid'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { uuid: string }).uuid), [1, 4].map((n) => n.toString(16).padStart(32, '0')));
});
