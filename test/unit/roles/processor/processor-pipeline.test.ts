import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Completed, KafkaRecord } from '../../../../src/adapters/kafka/kafka-record.js';
import { parseProcessorArgs } from '../../../../src/config/parse-role-args.js';
import { createProcessorCore } from '../../../../src/roles/processor/processor-core.js';
import { createProcessorMetrics } from '../../../../src/roles/processor/processor-metrics.js';
import { createProcessorPipeline, processRecord } from '../../../../src/roles/processor/processor-pipeline.js';
import { FORMAT, rawCases } from '../../../fixtures/processor/raw-lines.js';
import { fakeSink, quickUserAgent, tick } from './helpers.js';

const logger = pino({ level: 'silent' });
const context = { topic: 'raw', partition: 0, logger };

function core(extra: string[] = []) {
  const config = parseProcessorArgs([
    FORMAT, 'kafka:///127.0.0.1:9092?topics=raw&identity=g',
    'kafka:///127.0.0.1:9092?topic=eventlogging_{schema}', 'kafka:///127.0.0.1:9092?topic=eventlogging-valid-mixed',
    '--output-invalid', 'kafka:///127.0.0.1:9092?topic=eventlogging_EventError', '--schemas-path', 'schemas', '--sid', 'p0', ...extra,
  ]);
  return createProcessorCore(config, { userAgent: quickUserAgent, clock: () => Date.UTC(2024, 5, 1) });
}

const records = (lines: readonly string[], first = 0): KafkaRecord[] =>
  lines.map((line, i) => ({ topic: 'raw', partition: 0, offset: first + i, value: Buffer.from(line), timestamp: 0 }));

test('each raw record routes to its schema topic, valid-mixed, or EventError; counts add up exactly', async () => {
  const cases = rawCases(200);
  const sink = fakeSink(true);
  const registry = new Registry();
  const marks = await lastValueFrom(
    createProcessorPipeline({ core: core(), sink, metrics: createProcessorMetrics(registry, 'p0'), lingerMs: 1, maxBatch: 50 })(from(records(cases.map((c) => c.line))), context).pipe(toArray()),
  );
  // Marks are in order, cover every record once, and end at the last offset.
  assert.equal(marks.reduce((n, m) => n + m.count, 0), 200);
  assert.deepEqual(marks.map((m) => m.offset), [...marks.map((m) => m.offset)].sort((a, b) => a - b));
  assert.equal(marks.at(-1)!.offset, 199);

  const byTopic = new Map<string, unknown[]>();
  for (const m of sink.acked) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), JSON.parse(m.value)]);
  const valid = cases.filter((c) => c.outcome === 'valid');
  for (const schema of ['Edit', 'NavigationTiming', 'Test']) {
    const expected = valid.filter((c) => c.schema === schema).map((c) => c.uuid);
    const got = (byTopic.get(`eventlogging_${schema}`) ?? []).map((c) => (c as { uuid: string }).uuid);
    assert.deepEqual(got, expected, schema);
  }
  assert.deepEqual((byTopic.get('eventlogging-valid-mixed') ?? []).map((c) => (c as { uuid: string }).uuid), valid.map((c) => c.uuid));
  const errors = (byTopic.get('eventlogging_EventError') ?? []) as Array<{ event: { code: string; offset: number; topic: string; partition: number; rawEvent: string } }>;
  const failing = cases.map((c, offset) => ({ ...c, offset })).filter((c) => c.outcome !== 'valid');
  assert.deepEqual(errors.map((e) => [e.event.offset, e.event.code, e.event.rawEvent]), failing.map((c) => [c.offset, c.outcome === 'invalid' ? 'validation' : 'processor', c.line]));
  assert.ok(errors.every((e) => e.event.topic === 'raw' && e.event.partition === 0));
  assert.equal(byTopic.size, 5);
  assert.ok(sink.acked.filter((m) => m.topic !== 'eventlogging_EventError').every((m) => m.key === JSON.parse(m.value).uuid));

  const metric = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;
  const events = await metric('eventlogging_processor_events_total');
  const count = (outcome: string, schema: string) => events.find((v) => v.labels.outcome === outcome && v.labels.schema === schema)?.value ?? 0;
  assert.equal(count('valid', 'Edit'), 60);
  assert.equal(count('invalid', 'Edit'), 20);
  assert.equal(count('invalid', 'unknown'), 20);
  assert.equal((await metric('eventlogging_processor_raw_events_total'))[0]!.value, 200);
  const errorsMetric = await metric('eventlogging_processor_errors_total');
  assert.deepEqual(Object.fromEntries(errorsMetric.map((v) => [v.labels.code, v.value])), { EL_VALIDATION_FAILED: 40, EL_PARSE_FAILED: 20 });
  assert.equal((await metric('eventlogging_processor_produced_messages_total'))[0]!.value, sink.acked.length);
});

test('a completion mark is emitted only after the batch is acknowledged; a failed send is retried, not dropped', async () => {
  const sink = fakeSink(false);
  const input = new Subject<KafkaRecord>();
  const marks: Completed[] = [];
  const c = core();
  // Warm the schema cache so the records below are handled synchronously, into one batch.
  await Promise.all(['Edit', 'NavigationTiming', 'Test'].map((s) => c.registry.get(s, 1)));
  const subscription = createProcessorPipeline({ core: c, sink, lingerMs: 1, maxBatch: 10 })(input, context).subscribe((m) => marks.push(m));
  try {
    for (const r of records(rawCases(10).map((x) => x.line))) input.next(r);
    for (let i = 0; i < 50 && sink.waiting() === 0; i++) await tick(5);
    assert.equal(sink.waiting(), 1);
    assert.deepEqual(marks, [], 'nothing is complete before the acks');
    assert.ok(sink.fail(new Error('broker down')));
    for (let i = 0; i < 100 && sink.waiting() === 0; i++) await tick(10);
    assert.deepEqual(marks, [], 'still nothing complete after a failed send');
    assert.equal(sink.batches.length, 2);
    assert.deepEqual(sink.batches[1], sink.batches[0], 'the same batch is sent again');
    assert.ok(sink.ack());
    await tick(1);
    assert.deepEqual(marks, [{ offset: 9, count: 10 }]);
  } finally {
    subscription.unsubscribe();
  }
});

test('order is kept across a schema load: records behind a cache miss wait for it', async () => {
  const c = core();
  const cases = rawCases(20);
  const results = records(cases.map((x) => x.line)).map((r) => processRecord({ core: c }, r));
  // The first record of each schema needs a load; the rest of that schema is already there or queued.
  assert.ok(results[0] instanceof Promise);
  const routed = await Promise.all(results);
  assert.deepEqual(routed.map((r) => r.offset), cases.map((_, i) => i));
  const later = processRecord({ core: c }, records([cases[0]!.line], 100)[0]!);
  assert.ok(!(later instanceof Promise), 'a cached schema is handled synchronously');
});

test('uuids are deterministic: the same raw line gives the same capsule uuid on any run', async () => {
  const cases = rawCases(30);
  const run = async () => {
    const sink = fakeSink(true);
    await lastValueFrom(createProcessorPipeline({ core: core(), sink, lingerMs: 1 })(from(records(cases.map((x) => x.line))), context).pipe(toArray()));
    return sink.acked.filter((m) => m.topic.startsWith('eventlogging_') && m.topic !== 'eventlogging_EventError').map((m) => JSON.parse(m.value).uuid as string);
  };
  const [a, b] = [await run(), await run()];
  assert.deepEqual(a, b);
  assert.deepEqual(a, cases.filter((x) => x.outcome === 'valid').map((x) => x.uuid));
});

test('valid-mixed allow/deny flags filter only the mixed output', async () => {
  const sink = fakeSink(true);
  const cases = rawCases(10);
  await lastValueFrom(createProcessorPipeline({ core: core(['--valid-mixed-deny', '^(Edit|Test)$']), sink, lingerMs: 1 })(from(records(cases.map((x) => x.line))), context).pipe(toArray()));
  const mixed = sink.acked.filter((m) => m.topic === 'eventlogging-valid-mixed').map((m) => JSON.parse(m.value).schema);
  assert.deepEqual(mixed, ['NavigationTiming', 'NavigationTiming']);
  assert.equal(sink.acked.filter((m) => m.topic === 'eventlogging_Edit').length, 3);
});
