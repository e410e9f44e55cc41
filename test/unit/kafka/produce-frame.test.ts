import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WireMessage } from '../../../src/kafka/kafka-producer.js';
import { packFrame } from '../../../src/kafka/produce-frame.js';
import { unpackFrame } from '../../helpers/frames.js';

const text = (m: WireMessage) => ({ topic: m.topic, key: m.key === undefined ? undefined : m.key.toString(), value: m.value.toString() });

describe('produce frames', () => {
  it('round-trip topics, keys (or none) and values, in order, UTF-8 intact', () => {
    const messages: WireMessage[] = [
      { topic: 'eventlogging_Edit', key: 'a'.repeat(32), value: '{"x":"é ✓ 𝄞"}' },
      { topic: 'eventlogging-valid-mixed', value: '{"y":1}' },
      { topic: 'eventlogging_Edit', key: Buffer.from('bytes-key'), value: Buffer.from('{"z":[]}') },
      { topic: 'eventlogging_EventError', key: '', value: '' },
    ];
    const frame = packFrame(messages);
    assert.deepEqual(frame.topics, ['eventlogging_Edit', 'eventlogging-valid-mixed', 'eventlogging_EventError']);
    assert.deepEqual(unpackFrame(frame).map(text), messages.map(text));
  });

  it('writes a value shared by several messages once (a capsule on its schema topic and valid-mixed)', () => {
    const value = JSON.stringify({ event: { long: 'v'.repeat(500) } });
    const frame = packFrame([
      { topic: 'eventlogging_A', key: 'k1', value },
      { topic: 'eventlogging-valid-mixed', key: 'k1', value },
    ]);
    assert.equal(frame.bytes.byteLength, Buffer.byteLength(value) + 4);
    const [a, b] = unpackFrame(frame);
    assert.equal(a!.value.toString(), value);
    assert.equal(b!.value.toString(), value);
  });

  it('owns its memory, so both buffers can be transferred to another thread', () => {
    const frame = packFrame([{ topic: 't', value: 'x' }]);
    assert.equal(frame.bytes.byteOffset, 0);
    assert.equal(frame.bytes.buffer.byteLength, frame.bytes.byteLength);
    const copy = structuredClone(frame, { transfer: [frame.bytes.buffer as ArrayBuffer, frame.table.buffer as ArrayBuffer] });
    assert.equal(unpackFrame(copy)[0]!.value.toString(), 'x');
    assert.equal(frame.bytes.byteLength, 0, 'the sender no longer holds the bytes');
  });
});
