/**
 * Packing a partition's raw records into a {@link CheckJob} (one byte buffer, transferable to the
 * check thread without a copy per record) and turning a {@link CheckResult} back into the
 * per-record {@link Routed} marks the produce stage takes.
 */
import type { KafkaRecord } from '../../adapters/kafka/kafka-record.js';
import type { RoutedMessage } from '../../streams/route.js';
import type { Routed } from '../../streams/produce.js';
import type { CheckJob, CheckResult } from './check-batch.js';

/** Packs records of one partition, in order, into a job; its buffers can be transferred. */
export function packJob(id: number, topic: string, partition: number, records: readonly KafkaRecord[]): CheckJob {
  let total = 0;
  for (const r of records) total += r.value?.length ?? 0;
  // A buffer of its own (not a slice of Node's shared pool), so it can be transferred whole.
  const bytes = new Uint8Array(new ArrayBuffer(total));
  const ends = new Int32Array(records.length);
  const offsets = new Float64Array(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i += 1) {
    const r = records[i]!;
    offsets[i] = r.offset;
    if (r.value === null) {
      ends[i] = -1;
      continue;
    }
    bytes.set(r.value, at);
    at += r.value.length;
    ends[i] = at;
  }
  return { id, topic, partition, offsets, bytes, ends };
}

/** The buffers of a job or result that can move to the other thread instead of being copied. */
export function transferables(item: CheckJob | CheckResult): ArrayBuffer[] {
  const buffers = 'bytes' in item
    ? [item.bytes.buffer, item.ends.buffer, item.offsets.buffer]
    : [item.counts.buffer, item.outputs.buffer, item.topicOf.buffer, item.valueOf.buffer];
  return buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

/** One {@link Routed} per record of a job, in order, from its result (`offsets`: the job's, kept aside since its buffers moved). */
export function routedOf(offsets: ArrayLike<number>, result: CheckResult): Routed[] {
  const out: Routed[] = new Array(result.counts.length);
  let m = 0;
  for (let i = 0; i < result.counts.length; i += 1) {
    const count = result.counts[i]!;
    const messages: RoutedMessage[] = new Array(count);
    for (let k = 0; k < count; k += 1, m += 1) {
      const v = result.valueOf[m]!;
      const key = result.keys[v]!;
      const topic = result.topics[result.topicOf[m]!]!;
      const output = result.outputs[m]!;
      const value = result.values[v]!;
      messages[k] = key === '' ? { output, topic, value } : { output, topic, value, key };
    }
    out[i] = { offset: offsets[i]!, messages };
  }
  return out;
}
