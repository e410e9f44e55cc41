import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { parseProcessorArgs } from '../../../../src/config/parse-role-args.js';
import type { OutMessage } from '../../../../src/adapters/kafka/kafka-producer.js';
import { createProcessorCore } from '../../../../src/roles/processor/processor-core.js';
import { runPipeProcessor } from '../../../../src/roles/processor/pipe-processor.js';
import { FORMAT, rawCases } from '../../../fixtures/processor/raw-lines.js';
import { quickUserAgent } from './helpers.js';

test('every line becomes one capsule or one EventError, in input order, written in batches', async () => {
  const config = parseProcessorArgs([FORMAT, 'stdin://', 'stdout://', '--output-invalid', '--schemas-path', 'schemas']);
  const core = createProcessorCore(config, { userAgent: quickUserAgent });
  const cases = rawCases(57);
  const batches: OutMessage[][] = [];
  const summary = await runPipeProcessor({
    core,
    input: Readable.from(`${cases.map((c) => c.line).join('\n')}\n\n`),
    writer: { send: async (m) => { batches.push([...m]); } },
    batchSize: 10,
  });
  const valid = cases.filter((c) => c.outcome === 'valid').length;
  assert.deepEqual(summary, { lines: 57, valid, invalid: 57 - valid, messages: 57 });
  assert.deepEqual(batches.map((b) => b.length), [10, 10, 10, 10, 10, 7]);
  const docs = batches.flat().map((m) => JSON.parse(m.value) as { schema: string; uuid: string; event: { rawEvent?: string } });
  docs.forEach((doc, i) => {
    const c = cases[i]!;
    if (c.outcome === 'valid') assert.equal(doc.uuid, c.uuid);
    else assert.equal(doc.event.rawEvent, c.line);
  });
});

test('without --output-invalid failures are counted but not written', async () => {
  const config = parseProcessorArgs([FORMAT, 'stdin://', 'stdout://', '--schemas-path', 'schemas']);
  const core = createProcessorCore(config, { userAgent: quickUserAgent });
  const sent: OutMessage[] = [];
  const summary = await runPipeProcessor({
    core, input: Readable.from(rawCases(20).map((c) => `${c.line}\n`)), writer: { send: async (m) => { sent.push(...m); } },
  });
  assert.equal(summary.invalid, 6);
  assert.equal(sent.length, 14);
  assert.ok(sent.every((m) => JSON.parse(m.value).schema !== 'EventError'));
});
