import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { packFrame } from '../../../../src/kafka/produce-frame.js';
import { decodeProduceResponse, encodeProduceRequest } from '../../../../src/kafka/wire/produce-request.js';
import { recordBatchSize } from '../../../../src/kafka/wire/record-batch.js';
import { WireReader } from '../../../../src/kafka/wire/wire-reader.js';

describe('produce requests', () => {
  it('encode the v3 header, acks, timeout and one record batch per partition, exactly sized', () => {
    const frame = packFrame([
      { topic: 'a', key: 'k1', value: 'v1' },
      { topic: 'bé', value: 'v2' },
      { topic: 'a', key: 'k3', value: 'v3' },
    ]);
    const request = encodeProduceRequest(frame, [
      { topic: 'a', partitions: [{ partition: 2, rows: [0, 2] }] },
      { topic: 'bé', partitions: [{ partition: 0, rows: [1] }] },
    ], { correlationId: 77, clientId: 'el', acks: -1, timeoutMs: 30_000, timestamp: 1_700_000_000_000 });

    const r = new WireReader(request);
    assert.equal(r.int32(), request.length - 4, 'size field');
    assert.deepEqual([r.int16(), r.int16(), r.int32(), r.string()], [0, 3, 77, 'el'], 'api key, version, correlation id, client id');
    assert.deepEqual([r.string(), r.int16(), r.int32()], [null, -1, 30_000], 'no transaction, acks from all replicas, timeout');
    const topics = r.array((t) => ({
      topic: t.string(),
      partitions: t.array((p) => {
        const partition = p.int32();
        const size = p.int32();
        for (let i = 0; i < size; i += 1) p.int8();
        return { partition, size };
      }),
    }));
    assert.deepEqual(topics, [
      { topic: 'a', partitions: [{ partition: 2, size: recordBatchSize(frame, [0, 2]) }] },
      { topic: 'bé', partitions: [{ partition: 0, size: recordBatchSize(frame, [1]) }] },
    ]);
  });

  it('decode the per-partition error codes and base offsets of a v3 response', () => {
    const body = Buffer.alloc(200);
    let pos = body.writeInt32BE(77, 0);
    pos = body.writeInt32BE(1, pos); // topics
    pos = body.writeInt16BE(1, pos);
    pos += body.write('a', pos);
    pos = body.writeInt32BE(2, pos); // partitions
    for (const [partition, error, offset] of [[2, 0, 5_000_000_000], [3, 6, -1]] as const) {
      pos = body.writeInt32BE(partition, pos);
      pos = body.writeInt16BE(error, pos);
      pos = body.writeBigInt64BE(BigInt(offset), pos);
      pos = body.writeBigInt64BE(-1n, pos);
    }
    body.writeInt32BE(0, pos); // throttle time
    assert.deepEqual(decodeProduceResponse(body), [
      { topic: 'a', partition: 2, errorCode: 0, baseOffset: 5_000_000_000 },
      { topic: 'a', partition: 3, errorCode: 6, baseOffset: -1 },
    ]);
  });
});
