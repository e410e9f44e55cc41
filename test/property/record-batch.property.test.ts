import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import type { WireMessage } from '../../src/kafka/kafka-producer.js';
import { packFrame } from '../../src/kafka/produce-frame.js';
import { recordBatchSize, writeRecordBatch } from '../../src/kafka/wire/record-batch.js';

// kafkajs' fetch-side decoder and its CRC-32C are the oracles: what a consumer reads back.
const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{
  lastOffsetDelta: number; firstTimestamp: string; maxTimestamp: string; producerId: string; inTransaction: boolean;
  records: Array<{ key: Buffer | null; value: Buffer | null; offset: string; timestamp: string; headers: Record<string, unknown> }>;
}>;
const referenceCrc = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;

const message = fc.record({
  topic: fc.constantFrom('eventlogging_Edit', 'eventlogging-valid-mixed'),
  key: fc.option(fc.oneof(fc.hexaString({ minLength: 32, maxLength: 32 }), fc.fullUnicodeString({ maxLength: 20 })), { nil: undefined }),
  // Up to a few hundred bytes, so record lengths cross the one-byte varint boundary.
  value: fc.fullUnicodeString({ maxLength: 300 }),
});

describe('record batches, properties', () => {
  it('decode (as any consumer reads them) to the frame rows written, in order, with a valid checksum', async () => {
    await fc.assert(fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 150 }), fc.integer({ min: 0, max: 2 ** 42 }), fc.nat(8), async (ms, timestamp, pad) => {
      const messages: WireMessage[] = ms.map((m) => (m.key === undefined ? { topic: m.topic, value: m.value } : m));
      const frame = packFrame(messages);
      // Every other row, as a partition's share of a frame is.
      const rows = messages.map((_, i) => i).filter((i) => i % 2 === 0);
      const size = recordBatchSize(frame, rows);
      const out = Buffer.alloc(pad + size + 3, 0xee);
      assert.equal(writeRecordBatch(out, pad, frame, rows, timestamp), pad + size);
      assert.ok(out.subarray(pad + size).every((b) => b === 0xee), 'nothing written past the batch');
      const batch = out.subarray(pad, pad + size);

      assert.equal(batch.readInt32BE(8), size - 12, 'batch length');
      assert.equal(batch.readUInt32BE(17), referenceCrc(batch.subarray(21)) >>> 0, 'checksum');
      const decoded = await decodeBatch(new Decoder(batch));
      assert.equal(decoded.lastOffsetDelta, rows.length - 1);
      assert.equal(decoded.firstTimestamp, String(timestamp));
      assert.equal(decoded.maxTimestamp, String(timestamp));
      assert.equal(decoded.producerId, '-1');
      assert.equal(decoded.inTransaction, false);
      assert.deepEqual(decoded.records.map((r) => ({
        offset: r.offset, timestamp: r.timestamp, key: r.key === null ? undefined : r.key.toString(), value: r.value?.toString(), headers: r.headers,
      })), rows.map((row, i) => ({
        offset: String(i), timestamp: String(timestamp), key: ms[row]!.key, value: ms[row]!.value, headers: {},
      })));
    }), { numRuns: 300 });
  });
});
