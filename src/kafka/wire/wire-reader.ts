/** A cursor over a Kafka response (big-endian, int16-length strings, int32-count arrays). */
export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  int8(): number {
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }

  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** An int64 as a number (offsets and times here stay far below 2^53). */
  int64(): number {
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * 0x1_0000_0000 + lo;
  }

  /** A nullable string (length -1 is null). */
  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** An array of `count` items read by `item` (a count of -1 is an empty array here). */
  array<T>(item: (r: WireReader) => T): T[] {
    const n = this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i += 1) out.push(item(this));
    return out;
  }
}

/** Writes a request header (v1: api key, version, correlation id, client id) after the size field. */
export function writeRequestHeader(out: Buffer, apiKey: number, apiVersion: number, correlationId: number, clientId: string): number {
  let pos = 4;
  pos = out.writeInt16BE(apiKey, pos);
  pos = out.writeInt16BE(apiVersion, pos);
  pos = out.writeInt32BE(correlationId, pos);
  pos = out.writeInt16BE(Buffer.byteLength(clientId), pos);
  pos += out.write(clientId, pos, 'utf8');
  return pos;
}

/** Bytes of a request header with `clientId`, the size field included. */
export const requestHeaderSize = (clientId: string): number => 4 + 2 + 2 + 4 + 2 + Buffer.byteLength(clientId);
