import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { parseProcessorArgs } from '../../../../src/config/parse-role-args.js';
import { isElError } from '../../../../src/domain/errors.js';
import { openProcessorOutputs } from '../../../../src/roles/processor/processor-outputs.js';
import { planRoutes } from '../../../../src/roles/processor/route-plan.js';
import { fakeSink } from './helpers.js';

const K = 'kafka:///127.0.0.1:9092';
const plan = (...args: string[]) => planRoutes(parseProcessorArgs(['%q %{recvFrom}s %{seqId}d %D', 'stdin://', '--schemas-path', 'schemas', ...args]));

test('--output-invalid without a value routes EventErrors to the first output', () => {
  const p = plan(`${K}?topic=eventlogging_{schema}`, '--output-invalid');
  assert.deepEqual(p.invalid, { index: 0, topic: 'eventlogging_{schema}' });
  assert.equal(p.endpoints.length, 1);
});

test('--output-invalid URI is an extra endpoint; no flag means no invalid output', () => {
  const p = plan('--output-invalid', `${K}?topic=eventlogging_EventError`, `${K}?topic=eventlogging_{schema}`, 'stdout://');
  assert.deepEqual(p.invalid, { index: 2, topic: 'eventlogging_EventError' });
  assert.deepEqual(p.outputs.map((o) => [o.index, o.topic]), [[0, 'eventlogging_{schema}'], [1, '']]);
  assert.equal(p.endpoints.length, 3);
  assert.equal(plan('stdout://').invalid, undefined);
});

test('allow/deny flags apply to mixed outputs only; URI parameters override them', () => {
  const p = plan(`${K}?topic=eventlogging_{schema}`, `${K}?topic=eventlogging-valid-mixed`, `${K}?topic=other&blacklist=^Nav`,
    '--valid-mixed-allow', '^E', '--valid-mixed-deny', 'Test');
  const [perSchema, mixed, other] = p.outputs;
  assert.equal(perSchema!.allow, undefined);
  assert.equal(perSchema!.deny, undefined);
  assert.equal(mixed!.allow?.source, '^E');
  assert.equal(mixed!.deny?.source, 'Test');
  assert.equal(other!.deny?.source, '^Nav');
});

test('a bad regex or an output a processor cannot write to is a config error', () => {
  assert.throws(() => plan('stdout://', '--valid-mixed-deny', '('), (e) => isElError(e) && e.code === 'EL_CONFIG_INVALID');
  assert.throws(() => plan('mysql://root@127.0.0.1/test'), (e) => isElError(e) && e.code === 'EL_CONFIG_INVALID');
});

test('the writer sends stream outputs as JSON lines and Kafka outputs through one sink per cluster', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-proc-out-'));
  const file = join(dir, 'out.jsonl');
  const stdout = new PassThrough();
  let captured = '';
  stdout.on('data', (chunk) => { captured += String(chunk); });
  const sinks: Array<ReturnType<typeof fakeSink>> = [];
  const p = plan('stdout://', `file://${file}`, `${K}?topic=a`, `${K}?topic=b`, 'kafka:///127.0.0.2:9092?topic=c');
  const writer = await openProcessorOutputs(p, {
    logger: pino({ level: 'silent' }), clientId: 't', stdout,
    connectKafka: async () => { const s = fakeSink(true); sinks.push(s); return s; },
  });
  assert.equal(sinks.length, 2, 'outputs on one broker list share a producer');
  await writer.send([
    { output: 0, topic: '', value: '{"n":1}' }, { output: 1, topic: '', value: '{"n":2}' }, { output: 2, topic: 'a', value: 'A' },
    { output: 3, topic: 'b', value: 'B' }, { output: 4, topic: 'c', value: 'C' }, { output: 0, topic: '', value: '{"n":3}' },
  ] as never);
  await writer.close();
  assert.equal(captured, '{"n":1}\n{"n":3}\n');
  assert.equal(readFileSync(file, 'utf8'), '{"n":2}\n');
  assert.deepEqual(sinks[0]!.acked.map((m) => m.value), ['A', 'B']);
  assert.deepEqual(sinks[1]!.acked.map((m) => m.value), ['C']);
});
