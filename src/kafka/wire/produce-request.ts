/**
 * Produce requests (version 3, the first with record batches, still served by Kafka 4) and their
 * responses. A request carries one record batch per partition, encoded straight from a frame.
 */
import type { ProduceFrame } from '../produce-frame.js';
import { recordBatchSize, writeRecordBatch } from './record-batch.js';
import { requestHeaderSize, WireReader, writeRequestHeader } from './wire-reader.js';

const PRODUCE = 0;
const VERSION = 3;

/** The frame rows bound for one partition. */
export interface PartitionRows {
  readonly partition: number;
  readonly rows: readonly number[];
}

/** The partitions of one topic in a request. */
export interface TopicRows {
  readonly topic: string;
  readonly partitions: readonly PartitionRows[];
}

/** Per-request settings. */
export interface ProduceOptions {
  readonly correlationId: number;
  readonly clientId: string;
  /** -1: every in-sync replica. */
  readonly acks: number;
  readonly timeoutMs: number;
  /** Create time stamped on every record (ms). */
  readonly timestamp: number;
}

/** Encodes a whole Produce request, its size field included, ready to write to a socket. */
export function encodeProduceRequest(frame: ProduceFrame, topics: readonly TopicRows[], o: ProduceOptions): Buffer {
  let size = requestHeaderSize(o.clientId) + 2 + 2 + 4 + 4;
  const batchSizes: number[] = [];
  for (const t of topics) {
    size += 2 + Buffer.byteLength(t.topic) + 4;
    for (const p of t.partitions) {
      const n = recordBatchSize(frame, p.rows);
      batchSizes.push(n);
      size += 4 + 4 + n;
    }
  }
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(size - 4, 0);
  let pos = writeRequestHeader(out, PRODUCE, VERSION, o.correlationId, o.clientId);
  pos = out.writeInt16BE(-1, pos); // transactional id: null
  pos = out.writeInt16BE(o.acks, pos);
  pos = out.writeInt32BE(o.timeoutMs, pos);
  pos = out.writeInt32BE(topics.length, pos);
  let b = 0;
  for (const t of topics) {
    pos = out.writeInt16BE(Buffer.byteLength(t.topic), pos);
    pos += out.write(t.topic, pos, 'utf8');
    pos = out.writeInt32BE(t.partitions.length, pos);
    for (const p of t.partitions) {
      pos = out.writeInt32BE(p.partition, pos);
      pos = out.writeInt32BE(batchSizes[b++]!, pos);
      pos = writeRecordBatch(out, pos, frame, p.rows, o.timestamp);
    }
  }
  if (pos !== size) throw new Error(`produce request: wrote ${pos} of ${size} bytes`);
  return out;
}

/** The broker's answer for one partition. */
export interface PartitionResult {
  readonly topic: string;
  readonly partition: number;
  /** Kafka error code; 0 is success. */
  readonly errorCode: number;
  readonly baseOffset: number;
}

/** Decodes a Produce v3 response body (after the size field, from the correlation id on). */
export function decodeProduceResponse(body: Buffer): PartitionResult[] {
  const r = new WireReader(body);
  r.int32(); // correlation id, matched by the connection
  const out: PartitionResult[] = [];
  r.array((t) => {
    const topic = t.string() ?? '';
    t.array((p) => {
      const partition = p.int32();
      const errorCode = p.int16();
      const baseOffset = p.int64();
      p.int64(); // log append time
      out.push({ topic, partition, errorCode, baseOffset });
    });
  });
  return out;
}
