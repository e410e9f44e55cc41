import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createProcessorMetrics } from '../../../../src/roles/processor/processor-metrics.js';
import type { Checked } from '../../../../src/streams/route.js';

const valid = (schema: string): Checked => ({ kind: 'valid', capsule: { schema, revision: 1 } as never });
const invalid: Checked = { kind: 'failed', error: { code: 'validation', errorCode: 'EL_VALIDATION_FAILED', schema: 'Edit', revision: 1, rawEvent: '', message: 'm' } as never };
const known = (schema: string) => schema === 'Edit';

async function values(registry: Registry, name: string): Promise<Record<string, number>> {
  const got = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(got.values.map((v) => [Object.values(v.labels).join('/'), v.value]));
}

test('counts kept per event reach the counters whenever the registry is read, per role', async () => {
  const registry = new Registry();
  const a = createProcessorMetrics(registry, 'a');
  const b = createProcessorMetrics(registry, 'b');
  for (let i = 0; i < 5; i += 1) a.observe(valid('Edit'), known);
  a.observe(valid('Nope'), known);
  b.observe(invalid, known);
  assert.deepEqual(await values(registry, 'eventlogging_processor_raw_events_total'), { a: 6, b: 1 });
  assert.deepEqual(await values(registry, 'eventlogging_processor_events_total'), { 'a/valid/Edit': 5, 'a/valid/unknown': 1, 'b/invalid/Edit': 1 });
  assert.deepEqual(await values(registry, 'eventlogging_processor_errors_total'), { 'b/EL_VALIDATION_FAILED': 1 });
  // Read again with nothing new: nothing is added twice.
  a.observe(valid('Edit'), known);
  assert.deepEqual(await values(registry, 'eventlogging_processor_events_total'), { 'a/valid/Edit': 6, 'a/valid/unknown': 1, 'b/invalid/Edit': 1 });
  assert.match(await registry.metrics(), /eventlogging_processor_raw_events_total\{role="a"\} 7/);
});

test('a role re-created under the same name keeps counting; its predecessor\'s counts are not lost', async () => {
  const registry = new Registry();
  const first = createProcessorMetrics(registry, 'p');
  first.observe(valid('Edit'), known);
  first.observe(valid('Edit'), known);
  const second = createProcessorMetrics(registry, 'p');
  second.observe(valid('Edit'), known);
  assert.deepEqual(await values(registry, 'eventlogging_processor_raw_events_total'), { p: 3 });
});

test("the Kafka client's own retried produce requests are counted per role", async () => {
  const registry = new Registry();
  const m = createProcessorMetrics(registry, 'p');
  m.producerRetried(20);
  m.producerRetried(5);
  assert.deepEqual(await values(registry, 'eventlogging_processor_produce_retried_requests_total'), { p: 25 });
});
