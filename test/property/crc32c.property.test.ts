import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { crc32c } from '../../src/kafka/wire/crc32c.js';

// kafkajs' byte-at-a-time CRC-32C is the oracle.
const require = createRequire(import.meta.url);
const reference = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;

describe('crc32c, properties', () => {
  it('equals the reference on any bytes and any window of them', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
      const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));
      assert.equal(crc32c(bytes, start, end), reference(Buffer.from(bytes.subarray(start, end))) >>> 0);
    }), { numRuns: 2000 });
  });
});
