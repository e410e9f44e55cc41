import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayCommand } from '../../../src/cli/commands/replay.js';
import { makeEventError } from '../../../src/domain/event/event-error.js';
import { encodeQson } from '../../../src/domain/event/qson.js';
import { capsuleUuid } from '../../../src/domain/event/uuid.js';
import { consumeAll, freshTopic, produceLines, testKafka, uniqueName, BROKERS } from '../../helpers/kafka.js';
import { runInProcess } from '../../helpers/cli.js';

async function replay(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return runInProcess((a, io) => replayCommand.run(a, io), args);
}

test('replay from a Kafka error topic: fixed events to the output topic, the rest to --output-invalid, stops at the end, commits', async () => {
  const errorTopic = await freshTopic('el-ops-replay-in', 2);
  const outTopic = await freshTopic('el-ops-replay-out', 1);
  const invalidTopic = await freshTopic('el-ops-replay-invalid', 1);
  const group = uniqueName('el-ops-replay');
  const dir = mkdtempSync(join(tmpdir(), 'el-replay-'));
  mkdirSync(join(dir, 'Fixed'));
  // The corrected schema: `value` is a string (the errors were made against an integer).
  writeFileSync(join(dir, 'Fixed', '1.json'), JSON.stringify({ type: 'object', properties: { value: { type: 'string' } } }));
  const ctx = { recvFrom: 'processor.test', dt: '2024-05-01T10:00:01Z' };
  const line = (schema: string, i: number) =>
    `${encodeQson({ event: { value: `v${i}` }, schema, revision: 1, wiki: 'enwiki', webHost: 'en.wikipedia.org' })}\tcp1.test\t${i}\t2024-05-01T10:00:${String(i).padStart(2, '0')}\t10.0.0.1\t-`;
  const errors = Array.from({ length: 20 }, (_, i) => makeEventError({
    code: 'validation', rawEvent: line(i === 7 ? 'Missing' : 'Fixed', i), message: 'was invalid',
    source: { topic: 'eventlogging-client-side', partition: 0, offset: i },
  }, ctx));
  await produceLines(errorTopic, errors.slice(0, 10).map((e) => JSON.stringify(e)), 0);
  await produceLines(errorTopic, errors.slice(10).map((e) => JSON.stringify(e)), 1);

  const args = [
    '--schemas-path', dir, '--output-invalid', `kafka:///${BROKERS.join(',')}?topic=${invalidTopic}`,
    `kafka:///${BROKERS.join(',')}?topics=${errorTopic}&identity=${group}`, `kafka:///${BROKERS.join(',')}?topic=${outTopic}`,
  ];
  const first = await replay(args);
  assert.equal(first.code, 1, first.err);
  assert.match(first.err, /20 read, 19 replayed, 1 still failing, 0 skipped/);
  const capsules = (await consumeAll(outTopic, 19)).map((v) => JSON.parse(v));
  assert.equal(capsules.length, 19);
  assert.deepEqual(new Set(capsules.map((c) => c.uuid)),
    new Set(Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 7).map((i) => capsuleUuid({ recvFrom: 'cp1.test', seqId: i, dt: `2024-05-01T10:00:${String(i).padStart(2, '0')}Z` }))));
  const failed = (await consumeAll(invalidTopic, 1)).map((v) => JSON.parse(v));
  assert.equal(failed.length, 1);
  assert.equal(failed[0].event.code, 'replay');
  assert.equal(failed[0].event.schema, 'Missing');
  assert.equal(failed[0].event.errorCode, 'EL_SCHEMA_NOT_FOUND');
  assert.equal(failed[0].event.offset, 7);

  // The group committed its progress: a second run has nothing to do and ends at once.
  const admin = testKafka().admin();
  await admin.connect();
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [errorTopic] });
  await admin.disconnect();
  assert.deepEqual(committed!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset), ['10', '10']);
  const second = await replay(args);
  assert.equal(second.code, 0, second.err);
  assert.match(second.err, /0 read, 0 replayed, 0 still failing/);
});
