import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2String } from '../../../src/domain/murmur2.js';

describe('murmur2', () => {
  it("matches the Java client's published values", () => {
    // Kafka's UtilsTest: the hashes every Kafka client must agree on.
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) assert.equal(murmur2String(key), hash, key);
  });

  it('hashes keys longer than its scratch buffer and non-ASCII keys', () => {
    const long = 'x'.repeat(1000);
    assert.equal(murmur2String(long), murmur2String(long));
    assert.notEqual(murmur2String('é'), murmur2String('e'));
  });
});
