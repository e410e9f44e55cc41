/**
 * Kafka record batches (magic 2, uncompressed, no headers) written straight from a produce frame's
 * bytes into a request buffer: one size pass, one write pass, one checksum, no per-record objects.
 * kafkajs allocates and zero-fills an encoder per record and copies each record three times more;
 * that was most of the producer thread's time.
 */
import {
  FRAME_FIELDS as FIELDS, FRAME_KEY_LENGTH as KEY_LENGTH, FRAME_KEY_OFFSET as KEY_OFFSET, FRAME_VALUE_LENGTH as VALUE_LENGTH,
  FRAME_VALUE_OFFSET as VALUE_OFFSET, type ProduceFrame,
} from '../produce-frame.js';
import { crc32c } from './crc32c.js';

/** Bytes of a batch before its first record: base offset (8) to record count (4). */
export const BATCH_HEADER_BYTES = 61;
/** Where the checksummed part of a batch starts (the attributes field). */
const CRC_FROM = 21;

/** Bytes of `v` as a zigzag varint. */
export function varintSize(v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (z >= 0x80) {
    z >>>= 7;
    n += 1;
  }
  return n;
}

/** Writes `v` as a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z >= 0x80) {
    out[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  out[pos++] = z;
  return pos;
}

/** Body bytes of the record at frame row `row`, written as the `offsetDelta`-th of its batch. */
function recordBodySize(table: Int32Array, row: number, offsetDelta: number): number {
  const at = row * FIELDS;
  const keyLength = table[at + KEY_LENGTH]!;
  const valueLength = table[at + VALUE_LENGTH]!;
  // attributes (1), timestamp delta 0 (1), offset delta, key, value, header count 0 (1)
  return 3 + varintSize(offsetDelta) + varintSize(keyLength) + (keyLength > 0 ? keyLength : 0) + varintSize(valueLength) + valueLength;
}

/** Bytes of the whole batch holding the frame rows `rows`, in that order. */
export function recordBatchSize(frame: ProduceFrame, rows: readonly number[]): number {
  let size = BATCH_HEADER_BYTES;
  for (let i = 0; i < rows.length; i += 1) {
    const body = recordBodySize(frame.table, rows[i]!, i);
    size += varintSize(body) + body;
  }
  return size;
}

function writeInt64(out: Buffer, pos: number, v: number): void {
  out.writeInt32BE(Math.floor(v / 0x1_0000_0000), pos);
  out.writeUInt32BE(v >>> 0, pos + 4);
}

/**
 * Writes the batch of frame rows `rows` at `pos` (exactly {@link recordBatchSize} bytes) with every
 * record stamped `timestamp` (ms); returns the position after it. No producer id or sequence: the
 * producer is not idempotent, as the kafkajs one it replaces was not.
 */
export function writeRecordBatch(out: Buffer, pos: number, frame: ProduceFrame, rows: readonly number[], timestamp: number): number {
  const { table } = frame;
  const bytes = Buffer.from(frame.bytes.buffer, frame.bytes.byteOffset, frame.bytes.byteLength);
  const start = pos;
  writeInt64(out, pos, 0); // base offset: the broker assigns offsets
  // batch length (pos + 8) is known at the end
  out.writeInt32BE(-1, pos + 12); // partition leader epoch: the broker sets it
  out.writeInt8(2, pos + 16); // magic
  // crc (pos + 17) is computed at the end
  out.writeInt16BE(0, pos + 21); // attributes: no compression, create time, not transactional
  out.writeInt32BE(rows.length - 1, pos + 23); // last offset delta
  writeInt64(out, pos + 27, timestamp); // base timestamp
  writeInt64(out, pos + 35, timestamp); // max timestamp
  writeInt64(out, pos + 43, -1); // producer id
  out.writeInt16BE(-1, pos + 51); // producer epoch
  out.writeInt32BE(-1, pos + 53); // base sequence
  out.writeInt32BE(rows.length, pos + 57);
  pos += BATCH_HEADER_BYTES;
  for (let i = 0; i < rows.length; i += 1) {
    const at = rows[i]! * FIELDS;
    pos = writeVarint(out, pos, recordBodySize(table, rows[i]!, i));
    out[pos++] = 0; // attributes
    out[pos++] = 0; // timestamp delta 0, as a varint
    pos = writeVarint(out, pos, i);
    const keyLength = table[at + KEY_LENGTH]!;
    pos = writeVarint(out, pos, keyLength);
    if (keyLength > 0) {
      const from = table[at + KEY_OFFSET]!;
      pos += bytes.copy(out, pos, from, from + keyLength);
    }
    const valueLength = table[at + VALUE_LENGTH]!;
    pos = writeVarint(out, pos, valueLength);
    const from = table[at + VALUE_OFFSET]!;
    pos += bytes.copy(out, pos, from, from + valueLength);
    out[pos++] = 0; // no headers
  }
  out.writeInt32BE(pos - start - 12, start + 8);
  out.writeUInt32BE(crc32c(out, start + CRC_FROM, pos), start + 17);
  return pos;
}
