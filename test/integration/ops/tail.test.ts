import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tailCommand } from '../../../src/cli/commands/tail.js';
import { makeEventError } from '../../../src/domain/event/event-error.js';
import { freshTopic, produceLines, BROKERS } from '../../helpers/kafka.js';
import { runInProcess } from '../../helpers/cli.js';

async function tail(args: string[], signal = new AbortController().signal): Promise<{ code: number; out: string[]; err: string }> {
  const r = await runInProcess((a, io) => tailCommand.run(a, io), args, { signal });
  return { code: r.code, out: r.out.split('\n').filter(Boolean), err: r.err };
}

const ctx = { recvFrom: 'p1', dt: '2024-05-01T10:00:01Z' };
const errors = [
  makeEventError({ code: 'validation', rawEvent: 'raw-a', message: 'bad a', schema: 'Edit', revision: 1, errorCode: 'EL_VALIDATION_FAILED' }, ctx),
  makeEventError({ code: 'processor', rawEvent: 'raw-b', message: 'bad b', errorCode: 'EL_PARSE_FAILED' }, ctx),
  makeEventError({ code: 'validation', rawEvent: 'raw-c', message: 'bad c', schema: 'NavigationTiming', revision: 2, errorCode: 'EL_VALIDATION_FAILED' }, ctx),
  makeEventError({ code: 'consumer', rawEvent: '{"x":1}', message: 'bad d', schema: 'Edit', revision: 1, errorCode: 'EL_ROW_REJECTED' }, ctx),
  makeEventError({ code: 'validation', rawEvent: 'raw-e', message: 'bad e', schema: 'Edit', revision: 1, errorCode: 'EL_VALIDATION_FAILED' }, ctx),
];

test('tail errors --from-beginning filters by schema and code and stops at --max', async () => {
  const topic = await freshTopic('el-ops-errors-tail', 2);
  await produceLines(topic, [JSON.stringify(errors[0]), 'not an EventError', JSON.stringify(errors[1]), JSON.stringify(errors[2])], 0);
  await produceLines(topic, [JSON.stringify(errors[3]), JSON.stringify(errors[4])], 1);
  const base = ['errors', '--brokers', BROKERS.join(','), '--topic', topic, '--from-beginning'];

  const edits = await tail([...base, '--schema', 'Edit', '--code', 'validation', '--max', '2']);
  assert.equal(edits.code, 0, edits.err);
  assert.deepEqual(edits.out.sort(), [
    '2024-05-01T10:00:01Z Edit 1 validation EL_VALIDATION_FAILED bad a | raw-a',
    '2024-05-01T10:00:01Z Edit 1 validation EL_VALIDATION_FAILED bad e | raw-e',
  ]);

  const json = await tail([...base, '--code', 'processor', '--json', '--max', '1']);
  assert.deepEqual(json.out.map((l) => JSON.parse(l)), [errors[1]]);

  const all = await tail([...base, '--max', '5']);
  assert.equal(all.out.length, 5, 'the non-EventError message is skipped');
});

test('without --from-beginning only new errors are shown; Ctrl-C (stop signal) ends the tail', async () => {
  const topic = await freshTopic('el-ops-errors-new', 1);
  await produceLines(topic, [JSON.stringify(errors[0])]);
  const controller = new AbortController();
  const running = tail(['errors', '--brokers', BROKERS.join(','), '--topic', topic, '--max', '1'], controller.signal);
  // Keep producing until the tail has joined and sees one (it must never be the old error).
  let done = false;
  void running.then(() => { done = true; });
  for (let i = 0; i < 100 && !done; i += 1) {
    await produceLines(topic, [JSON.stringify(errors[2])]);
    await new Promise((r) => setTimeout(r, 300));
  }
  const result = await running;
  assert.equal(result.code, 0);
  assert.equal(result.out.length, 1);
  assert.match(result.out[0]!, /NavigationTiming 2 validation/);

  const stopper = new AbortController();
  const idle = tail(['errors', '--brokers', BROKERS.join(','), '--topic', topic], stopper.signal);
  setTimeout(() => stopper.abort(), 1500);
  assert.equal((await idle).code, 0);
});

test('tail usage errors exit 2', async () => {
  assert.equal((await tail(['errors', '--brokers', BROKERS.join(','), '--code', 'nope'])).code, 2);
  assert.equal((await tail(['warnings', '--brokers', BROKERS.join(',')])).code, 2);
  assert.equal((await tail(['errors'])).code, 2);
  const missing = await tail(['errors', '--brokers', BROKERS.join(','), '--topic', 'el-ops-no-such-topic-x']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /does not exist/);
});
