import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../../../src/kafka/wire/crc32c.js';

describe('crc32c', () => {
  it('gives the published check value of CRC-32C', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });

  it('is 0 on no bytes, and reads only the window it is given', () => {
    assert.equal(crc32c(new Uint8Array(0)), 0);
    const framed = Buffer.from('xx123456789yyyy');
    assert.equal(crc32c(framed, 2, 11), 0xe3069283);
  });

  it('covers the eight-byte path and the byte-wise tail alike (32 zero bytes, iSCSI test vector)', () => {
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  });
});
