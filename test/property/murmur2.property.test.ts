import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { murmur2, murmur2String, partitionForKey } from '../../src/domain/murmur2.js';

// kafkajs' own murmur2 (64-bit Long emulation of the Java client) is the oracle.
const require = createRequire(import.meta.url);
const reference = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;

describe('murmur2, properties', () => {
  it('equals the reference on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.equal(murmur2(bytes), reference(Buffer.from(bytes)));
    }), { numRuns: 2000 });
  });

  it('hashes a window of a larger buffer as the same bytes alone (keys read in place from a produce frame)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 40 }), (before, bytes, after) => {
      const all = new Uint8Array([...before, ...bytes, ...after]);
      assert.equal(murmur2(all, before.length, before.length + bytes.length), reference(Buffer.from(bytes)));
    }), { numRuns: 1000 });
  });

  it('equals the reference on any string, hashed as UTF-8 (ASCII fast path and the rest)', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 100 }), fc.fullUnicodeString({ maxLength: 100 })), (key) => {
      assert.equal(murmur2String(key), reference(key));
    }), { numRuns: 2000 });
  });

  it('gives a partition in range, the one the default partitioner gives', () => {
    fc.assert(fc.property(fc.hexaString({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 512 }), (key, n) => {
      const p = partitionForKey(key, n);
      assert.ok(p >= 0 && p < n);
      assert.equal(p, (reference(key) & 0x7fffffff) % n);
    }));
  });
});
