import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMetadataResponse, encodeMetadataRequest } from '../../../../src/kafka/wire/metadata-request.js';
import { WireReader } from '../../../../src/kafka/wire/wire-reader.js';

describe('metadata requests', () => {
  it('encode v4 with the topics asked for and whether to create them', () => {
    const r = new WireReader(encodeMetadataRequest(['eventlogging_Edit', 'x'], 9, 'el', true));
    r.int32();
    assert.deepEqual([r.int16(), r.int16(), r.int32(), r.string()], [3, 4, 9, 'el']);
    assert.deepEqual(r.array((t) => t.string()), ['eventlogging_Edit', 'x']);
    assert.equal(r.int8(), 1);
    const none = new WireReader(encodeMetadataRequest([], 10, 'el', false));
    none.int32();
    none.int16(); none.int16(); none.int32(); none.string();
    assert.deepEqual([none.int32(), none.int8()], [0, 0], 'no topics (not "all topics"), no creation');
  });

  it('decode brokers, topic errors and each partition leader, a missing leader as -1', () => {
    const b = Buffer.alloc(400);
    let pos = 0;
    const str = (s: string | null) => {
      if (s === null) return (pos = b.writeInt16BE(-1, pos));
      pos = b.writeInt16BE(Buffer.byteLength(s), pos);
      pos += b.write(s, pos);
      return pos;
    };
    pos = b.writeInt32BE(9, pos); // correlation id
    pos = b.writeInt32BE(0, pos); // throttle
    pos = b.writeInt32BE(2, pos); // brokers
    pos = b.writeInt32BE(1, pos); str('h1'); pos = b.writeInt32BE(9092, pos); str(null);
    pos = b.writeInt32BE(2, pos); str('h2'); pos = b.writeInt32BE(9093, pos); str('rack-b');
    str('cluster'); pos = b.writeInt32BE(1, pos);
    pos = b.writeInt32BE(2, pos); // topics
    pos = b.writeInt16BE(0, pos); str('t'); pos = b.writeInt8(0, pos);
    pos = b.writeInt32BE(2, pos);
    for (const [p, leader] of [[1, -1], [0, 2]] as const) {
      pos = b.writeInt16BE(leader < 0 ? 5 : 0, pos);
      pos = b.writeInt32BE(p, pos);
      pos = b.writeInt32BE(leader, pos);
      pos = b.writeInt32BE(1, pos); pos = b.writeInt32BE(2, pos); // replicas
      pos = b.writeInt32BE(0, pos); // isr
    }
    pos = b.writeInt16BE(5, pos); str('new'); pos = b.writeInt8(0, pos); pos = b.writeInt32BE(0, pos);
    assert.deepEqual(decodeMetadataResponse(b.subarray(0, pos)), {
      brokers: [{ nodeId: 1, host: 'h1', port: 9092 }, { nodeId: 2, host: 'h2', port: 9093 }],
      topics: [{ name: 't', errorCode: 0, leaders: [2, -1] }, { name: 'new', errorCode: 5, leaders: [] }],
    });
  });
});
