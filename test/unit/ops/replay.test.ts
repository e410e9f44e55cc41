import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayCommand } from '../../../src/cli/commands/replay.js';
import { makeEventError } from '../../../src/domain/event/event-error.js';
import { encodeQson } from '../../../src/domain/event/qson.js';
import { capsuleUuid } from '../../../src/domain/event/uuid.js';
import { testCapsules } from '../../helpers/capsules.js';
import { runInProcess } from '../../helpers/cli.js';

async function replay(args: string[], input: string): Promise<{ code: number; out: string[]; err: string }> {
  const r = await runInProcess((a, io) => replayCommand.run(a, io), args, { stdin: input });
  return { code: r.code, out: r.out.split('\n').filter(Boolean), err: r.err };
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'el-replay-'));
  const schema = 'ReplayTest';
  mkdirSync(join(dir, schema));
  // Revision 1 as first deployed: `value` wrongly declared an integer.
  writeFileSync(join(dir, schema, '1.json'), JSON.stringify({ type: 'object', properties: { value: { type: 'integer' } } }));
  const line = `${encodeQson({ event: { value: 'abc' }, schema, revision: 1, wiki: 'enwiki', webHost: 'en.wikipedia.org' })}\tcp1.test\t42\t2024-05-01T10:00:00\t10.0.0.1\t-`;
  const ctx = { recvFrom: 'processor.test', dt: '2024-05-01T10:00:01Z' };
  const validation = makeEventError({ code: 'validation', rawEvent: line, message: 'value must be integer', source: { topic: 'eventlogging-client-side', partition: 3, offset: 17 } }, ctx);
  const capsule = testCapsules(1, 'replay', schema)[0]!;
  const consumer = makeEventError({ code: 'consumer', rawEvent: JSON.stringify(capsule), message: 'row rejected', source: { topic: 'eventlogging-valid-mixed', partition: 0, offset: 9 } }, ctx);
  const input = [JSON.stringify(validation), 'this is not an EventError', JSON.stringify(consumer), ''].join('\n');
  const fix = () => writeFileSync(join(dir, schema, '1.json'), JSON.stringify({ type: 'object', properties: { value: { type: 'string' } } }));
  return { dir, schema, input, capsule, fix, lineUuid: capsuleUuid({ recvFrom: 'cp1.test', seqId: 42, dt: '2024-05-01T10:00:00Z' }) };
}

test('before the schema fix: both events fail again as EventErrors with code replay (source kept), exit 1', async () => {
  const { dir, schema, input } = setup();
  const { code, out, err } = await replay(['--schemas-path', dir, 'stdin://', 'stdout://'], input);
  assert.equal(code, 1, err);
  assert.match(err, /3 read, 0 replayed, 2 still failing, 1 skipped/);
  assert.equal(out.length, 2);
  const errors = out.map((l) => JSON.parse(l));
  for (const e of errors) {
    assert.equal(e.schema, 'EventError');
    assert.equal(e.event.code, 'replay');
    assert.equal(e.event.schema, schema);
    assert.equal(e.event.errorCode, 'EL_VALIDATION_FAILED');
  }
  assert.deepEqual(errors.map((e) => [e.event.topic, e.event.partition, e.event.offset]), [['eventlogging-client-side', 3, 17], ['eventlogging-valid-mixed', 0, 9]]);
});

test('after the schema fix: the raw line and the consumer capsule are written as valid capsules, exit 0', async () => {
  const { dir, schema, input, capsule, fix, lineUuid } = setup();
  fix();
  const { code, out, err } = await replay(['--schemas-path', dir, 'stdin://', 'stdout://'], input);
  assert.equal(code, 0, err);
  assert.match(err, /3 read, 2 replayed, 0 still failing, 1 skipped/);
  const capsules = out.map((l) => JSON.parse(l));
  assert.equal(capsules.length, 2);
  assert.deepEqual(capsules[0].event, { value: 'abc' });
  assert.equal(capsules[0].schema, schema);
  assert.equal(capsules[0].uuid, lineUuid, 'the same uuid the processor would have given it');
  assert.equal(capsules[0].dt, '2024-05-01T10:00:00Z');
  assert.deepEqual(capsules[1], capsule, 'a consumer capsule is written unchanged');
});

test('a replayed failure can itself be replayed once fixed; --output-invalid separates the failures', async () => {
  const { dir, input, fix } = setup();
  const failures = mkdtempSync(join(tmpdir(), 'el-replay-out-'));
  const first = await replay(['--schemas-path', dir, '--output-invalid', `file://${failures}/errors.json`, 'stdin://', 'stdout://'], input);
  assert.equal(first.code, 1);
  assert.deepEqual(first.out, [], 'nothing valid, failures went to the file');
  const { readFileSync } = await import('node:fs');
  const again = readFileSync(join(failures, 'errors.json'), 'utf8');
  assert.equal(again.trim().split('\n').length, 2);
  fix();
  const second = await replay(['--schemas-path', dir, `file://${join(failures, 'errors.json')}`, 'stdout://'], '');
  assert.equal(second.code, 0, second.err);
  assert.equal(second.out.length, 2);
  assert.ok(second.out.every((l) => JSON.parse(l).schema === 'ReplayTest'));
});

test('usage errors exit 2', async () => {
  assert.equal((await replay(['stdin://'], '')).code, 2);
  assert.equal((await replay(['--schemas-path', '/tmp', 'mysql://root@h/db', 'stdout://'], '')).code, 2);
  assert.equal((await replay(['stdin://', 'stdout://'], '')).code, 2);
});
