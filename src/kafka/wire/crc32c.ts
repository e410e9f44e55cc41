/**
 * CRC-32C (Castagnoli), the checksum of a Kafka record batch. Slicing-by-8: eight table lookups
 * per eight bytes instead of one per byte, which made it several times cheaper than kafkajs'
 * byte-at-a-time version (its 8 % of the producer thread's samples).
 */

const POLY = 0x82f63b78;

/** TABLES[k * 256 + n]: the CRC of byte n followed by k zero bytes. */
const TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n += 1) {
    let c = t[n]!;
    for (let k = 1; k < 8; k += 1) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/** CRC-32C of `data[start, end)`, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  const t = TABLES;
  let crc = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    crc = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]!
      ^ t[768 + data[i + 4]!]! ^ t[512 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!;
  }
  for (; i < end; i += 1) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
