/**
 * The wire form of a produce batch between the processor's thread and its producer thread: every
 * distinct key and value written once, as UTF-8, into one buffer, plus a table of where each
 * message's parts are. Both buffers are transferred, not copied, and a capsule produced to two
 * topics (its schema topic and valid-mixed) crosses once, because routing shares its JSON text.
 */
import type { WireMessage } from './kafka-producer.js';

/** A batch ready to post to the producer thread (transfer `bytes.buffer` and `table.buffer`). */
export interface ProduceFrame {
  readonly topics: readonly string[];
  /** UTF-8 keys and values, back to back. */
  readonly bytes: Uint8Array;
  /** Per message: topic index, key offset, key length (-1: no key), value offset, value length. */
  readonly table: Int32Array;
}

/** Int32 fields per message in a frame's table, and where each field is. */
export const FRAME_FIELDS = 5;
export const FRAME_TOPIC = 0;
export const FRAME_KEY_OFFSET = 1;
/** -1: the message has no key. */
export const FRAME_KEY_LENGTH = 2;
export const FRAME_VALUE_OFFSET = 3;
export const FRAME_VALUE_LENGTH = 4;

/** Packs messages into a {@link ProduceFrame}; string parts identical by reference are written once. */
export function packFrame(messages: readonly WireMessage[]): ProduceFrame {
  const topicIndex = new Map<string, number>();
  const topics: string[] = [];
  let size = 0;
  let lastValue: string | Buffer | undefined;
  for (const m of messages) {
    if (m.value !== lastValue) {
      size += Buffer.byteLength(m.value);
      lastValue = m.value;
    }
    if (m.key !== undefined) size += Buffer.byteLength(m.key);
  }
  // Not from the shared pool: the frame's memory is handed over to the other thread.
  const bytes = Buffer.allocUnsafeSlow(size);
  const table = new Int32Array(messages.length * FRAME_FIELDS);
  let at = 0;
  let lastOffset = 0;
  let lastLength = 0;
  lastValue = undefined;
  for (let i = 0; i < messages.length; i += 1) {
    const m = messages[i]!;
    let t = topicIndex.get(m.topic);
    if (t === undefined) {
      t = topics.length;
      topics.push(m.topic);
      topicIndex.set(m.topic, t);
    }
    const row = i * FRAME_FIELDS;
    table[row + FRAME_TOPIC] = t;
    if (m.key === undefined) {
      table[row + FRAME_KEY_OFFSET] = 0;
      table[row + FRAME_KEY_LENGTH] = -1;
    } else {
      const n = typeof m.key === 'string' ? bytes.write(m.key, at, 'utf8') : m.key.copy(bytes, at);
      table[row + FRAME_KEY_OFFSET] = at;
      table[row + FRAME_KEY_LENGTH] = n;
      at += n;
    }
    if (m.value !== lastValue) {
      lastOffset = at;
      lastLength = typeof m.value === 'string' ? bytes.write(m.value, at, 'utf8') : m.value.copy(bytes, at);
      at += lastLength;
      lastValue = m.value;
    }
    table[row + FRAME_VALUE_OFFSET] = lastOffset;
    table[row + FRAME_VALUE_LENGTH] = lastLength;
  }
  return { topics, bytes, table };
}
