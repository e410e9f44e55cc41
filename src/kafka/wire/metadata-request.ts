/**
 * Metadata requests (version 4: the first that lets the client ask for topics to be created, as
 * the processor's per-schema topics are on first use) and their responses.
 */
import { requestHeaderSize, WireReader, writeRequestHeader } from './wire-reader.js';

const METADATA = 3;
const VERSION = 4;

/** A broker of the cluster. */
export interface BrokerAddress {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** A topic as the cluster describes it. */
export interface TopicMetadata {
  readonly name: string;
  /** Kafka error code of the topic (0 when it is usable). */
  readonly errorCode: number;
  /** Leader node by partition id; -1 where a partition has no leader. */
  readonly leaders: readonly number[];
}

/** The cluster's answer. */
export interface ClusterMetadata {
  readonly brokers: readonly BrokerAddress[];
  readonly topics: readonly TopicMetadata[];
}

/** Encodes a Metadata request for `topics`, creating missing ones when `create`. */
export function encodeMetadataRequest(topics: readonly string[], correlationId: number, clientId: string, create: boolean): Buffer {
  let size = requestHeaderSize(clientId) + 4 + 1;
  for (const t of topics) size += 2 + Buffer.byteLength(t);
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(size - 4, 0);
  let pos = writeRequestHeader(out, METADATA, VERSION, correlationId, clientId);
  pos = out.writeInt32BE(topics.length, pos);
  for (const t of topics) {
    pos = out.writeInt16BE(Buffer.byteLength(t), pos);
    pos += out.write(t, pos, 'utf8');
  }
  out.writeInt8(create ? 1 : 0, pos);
  return out;
}

/** Decodes a Metadata v4 response body (after the size field, from the correlation id on). */
export function decodeMetadataResponse(body: Buffer): ClusterMetadata {
  const r = new WireReader(body);
  r.int32(); // correlation id
  r.int32(); // throttle time
  const brokers = r.array((b) => {
    const nodeId = b.int32();
    const host = b.string() ?? '';
    const port = b.int32();
    b.string(); // rack
    return { nodeId, host, port };
  });
  r.string(); // cluster id
  r.int32(); // controller id
  const topics = r.array((t) => {
    const errorCode = t.int16();
    const name = t.string() ?? '';
    t.int8(); // is internal
    const leaders: number[] = [];
    t.array((p) => {
      p.int16(); // partition error code: a partition without a leader says so with leader -1
      const partition = p.int32();
      leaders[partition] = p.int32();
      p.array((x) => x.int32()); // replicas
      p.array((x) => x.int32()); // in-sync replicas
    });
    for (let i = 0; i < leaders.length; i += 1) leaders[i] ??= -1;
    return { name, errorCode, leaders };
  });
  return { brokers, topics };
}
