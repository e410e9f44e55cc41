/**
 * Reads a produce frame back into messages (keys and values as views on its bytes): the inverse
 * of `packFrame`, which the tests use to check what a frame holds. The producer itself never
 * unpacks; it encodes record batches straight from the frame's bytes.
 */
import type { WireMessage } from '../../src/kafka/kafka-producer.js';
import { FRAME_FIELDS as FIELDS, type ProduceFrame } from '../../src/kafka/produce-frame.js';

/** The messages of `frame`, in order; keys and values are views on its bytes. */
export function unpackFrame(frame: ProduceFrame): WireMessage[] {
  const { topics, bytes, table } = frame;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: WireMessage[] = new Array(table.length / FIELDS);
  for (let i = 0; i < out.length; i += 1) {
    const row = i * FIELDS;
    const topic = topics[table[row]!]!;
    const value = buffer.subarray(table[row + 3]!, table[row + 3]! + table[row + 4]!);
    const keyLength = table[row + 2]!;
    out[i] = keyLength < 0 ? { topic, value } : { topic, key: buffer.subarray(table[row + 1]!, table[row + 1]! + keyLength), value };
  }
  return out;
}
