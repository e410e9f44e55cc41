import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { KafkaRecord } from '../../../../src/adapters/kafka/kafka-record.js';
import { parseProcessorArgs } from '../../../../src/config/parse-role-args.js';
import { createProcessorCore } from '../../../../src/roles/processor/processor-core.js';
import { createProcessorMetrics } from '../../../../src/roles/processor/processor-metrics.js';
import { processRecord } from '../../../../src/roles/processor/processor-pipeline.js';
import { checkBatch, type CheckResult } from '../../../../src/roles/processor/check-batch.js';
import { packJob, routedOf } from '../../../../src/roles/processor/check-job.js';
import { createRecentErrors } from '../../../../src/domain/event/recent-errors.js';
import type { SchemaLoader } from '../../../../src/domain/schema/schema-registry.js';
import { directoryLoader } from '../../../../src/adapters/schemas/directory-loader.js';
import { FORMAT, rawCases } from '../../../fixtures/processor/raw-lines.js';
import { quickUserAgent } from './helpers.js';

const NOW = Date.UTC(2024, 5, 1);

function core(loader?: SchemaLoader) {
  const config = parseProcessorArgs([
    FORMAT, 'kafka:///127.0.0.1:9092?topics=raw&identity=g',
    'kafka:///127.0.0.1:9092?topic=eventlogging_{schema}', 'kafka:///127.0.0.1:9092?topic=eventlogging-valid-mixed',
    '--output-invalid', 'kafka:///127.0.0.1:9092?topic=eventlogging_EventError', '--schemas-path', 'schemas', '--sid', 'p0',
  ]);
  return createProcessorCore(config, { userAgent: quickUserAgent, clock: () => NOW, ...(loader && { loader }) });
}

const records = (lines: readonly (string | null)[], first = 0): KafkaRecord[] =>
  lines.map((line, i) => ({ topic: 'raw', partition: 3, offset: first + i, value: line === null ? null : Buffer.from(line), timestamp: 0 }));

async function metricsText(registry: Registry): Promise<string> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith('eventlogging_processor_') && !l.includes('_seconds')).sort().join('\n');
}

test('a batch routes every record exactly as the record-by-record path does, and counts the same outcomes', async () => {
  const cases = rawCases(300);
  // A tombstone and bytes that are not UTF-8 travel in the same buffer as the lines around them.
  const lines: (string | null)[] = cases.map((c) => c.line);
  lines.splice(10, 0, null);
  const input = records(lines, 1000);
  input.splice(20, 0, { topic: 'raw', partition: 3, offset: 5000, value: Buffer.from([0xff, 0xfe, 0x41]), timestamp: 0 });

  const one = core();
  const oneRegistry = new Registry();
  const oneMetrics = createProcessorMetrics(oneRegistry, 'p0');
  const expected = [];
  for (const r of input) expected.push(await processRecord({ core: one, metrics: oneMetrics }, r));

  const batched = core();
  const result = await checkBatch(batched, packJob(7, 'raw', 3, input));
  assert.equal(result.id, 7);
  assert.deepEqual(routedOf(input.map((r) => r.offset), result), expected);
  // A capsule's text is carried once for its schema topic and valid-mixed.
  assert.ok(result.values.length < result.valueOf.length);

  const batchRegistry = new Registry();
  createProcessorMetrics(batchRegistry, 'p0').tally(result.tally);
  assert.equal(await metricsText(batchRegistry), await metricsText(oneRegistry));
  assert.match(await metricsText(batchRegistry), /eventlogging_processor_raw_events_total\{role="p0"\} 302/);
});

test('failures reach the console without their raw event, the latest three per code, with their coordinates', async () => {
  const invalid = rawCases(400).filter((c) => c.outcome !== 'valid');
  const result = await checkBatch(core(), packJob(1, 'raw', 3, records(invalid.map((c) => c.line))));
  const codes = new Map<string, number>();
  for (const f of result.failures) {
    assert.equal('rawEvent' in f.error, false);
    assert.deepEqual(f.error.source, { topic: 'raw', partition: 3, offset: f.record });
    const code = f.error.errorCode ?? f.error.code;
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  assert.ok([...codes.values()].every((n) => n <= 3));
  assert.ok(codes.size >= 2, [...codes.keys()].join());
  // The latest of each code is kept.
  const last = result.failures.at(-1)!;
  assert.equal(last.record, invalid.length - 1);
  const recent = createRecentErrors();
  for (const f of result.failures) recent.add(f.error, NOW);
  assert.equal(recent.list()[0]!.offset, invalid.length - 1);
});

test('a batch whose schema must be loaded first waits for it; the records keep their order', async () => {
  const valid = rawCases(100).filter((c) => c.outcome === 'valid');
  const slowLoads: string[] = [];
  const directory = directoryLoader('schemas');
  const slow: SchemaLoader = async (name, revision) => {
    slowLoads.push(`${name}@${revision}`);
    await new Promise((r) => setTimeout(r, 20));
    return directory(name, revision);
  };
  const pending = checkBatch(core(slow), packJob(2, 'raw', 3, records(valid.map((c) => c.line))));
  assert.ok(pending instanceof Promise);
  const result: CheckResult = await pending;
  assert.ok(slowLoads.length > 0);
  const routed = routedOf(valid.map((_, i) => i), result);
  assert.deepEqual(routed.map((r) => JSON.parse(String(r.messages[0]!.value)).uuid), valid.map((c) => c.uuid));
});
