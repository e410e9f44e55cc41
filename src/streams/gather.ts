import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { KafkaRecord } from '../adapters/kafka/kafka-record.js';
import { DEFAULT_INPUT_LIMITS } from '../domain/event/input-limits.js';

/** Why a record cannot be a line. */
export type RefusalReason = 'tombstone' | 'line-break' | 'not-an-object';

/** A record that cannot be a line, kept (its start) for the EventError it becomes. */
export interface Refusal {
  readonly offset: number;
  readonly reason: RefusalReason;
  /** The record's text, cut at the line limit (an EventError keeps no more). */
  readonly raw: string;
}

/** A partition's records gathered as the bytes of a JSON-lines file. */
export interface LineBatch {
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** Records the batch covers: its lines and the records refused. */
  readonly records: number;
  /** Lines held, one record each, each ended by a line break. */
  readonly lines: number;
  /** Records that cannot be a line: a tombstone, bytes holding a line break, or not starting as a JSON object. */
  readonly refused: number;
  readonly refusals: readonly Refusal[];
  /** The lines' bytes, in order; a line never spans two chunks. */
  readonly chunks: readonly Buffer[];
  /** Each line's record offset, in order. */
  readonly offsets: readonly number[];
  /** Bytes held: the lines', and what is kept of the refused records. */
  readonly bytes: number;
}

/** What {@link gather} takes. */
export interface GatherOptions {
  /** A batch goes out once it holds this many records, */
  readonly maxLines: number;
  /** or before a record would take it past this many bytes (a batch holds one record at least), */
  readonly maxBytes: number;
  /** or this long after its first record. */
  readonly maxMs: number;
  readonly scheduler?: SchedulerLike;
}

/** Bytes allocated at once for lines; a longer line gets a chunk of its own size. */
const CHUNK_BYTES = 2 ** 20;

const LINE_BREAK = 10;
const OPEN_BRACE = 0x7b;

/**
 * Gathers records into line batches by count, bytes and time. Each record's bytes are copied
 * into the batch as it arrives, so the record itself is garbage at once: a batch costs its bytes,
 * not one object per record kept until it is written (measured: about a tenth less CPU for the
 * lake). A line must start a JSON object (`{`) and hold no line break, so the file's lines are
 * the batch's records one for one (a reader skips blank lines, and a line break would make one
 * record two rows); other records are refused, and kept for their EventErrors. What is left goes
 * out when the source completes.
 */
export function gather(options: GatherOptions): OperatorFunction<KafkaRecord, LineBatch> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) => new Observable<LineBatch>((subscriber) => {
    let chunks: Buffer[] = [];
    let offsets: number[] = [];
    let refusals: Refusal[] = [];
    let used = 0;
    let bytes = 0;
    let lines = 0;
    let records = 0;
    let refused = 0;
    let firstOffset = -1;
    let lastOffset = -1;
    let timer: Subscription | undefined;

    const flush = (): void => {
      timer?.unsubscribe();
      timer = undefined;
      if (records === 0) return;
      if (chunks.length > 0) chunks[chunks.length - 1] = chunks[chunks.length - 1]!.subarray(0, used);
      const batch: LineBatch = { firstOffset, lastOffset, records, lines, refused, refusals, chunks, offsets, bytes };
      chunks = [];
      offsets = [];
      refusals = [];
      used = 0;
      bytes = 0;
      lines = 0;
      records = 0;
      refused = 0;
      subscriber.next(batch);
    };

    const append = (value: Buffer): void => {
      let chunk = chunks[chunks.length - 1];
      if (chunk === undefined || used + value.length + 1 > chunk.length) {
        if (chunk !== undefined) chunks[chunks.length - 1] = chunk.subarray(0, used);
        chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, value.length + 1));
        chunks.push(chunk);
        used = 0;
      }
      chunk.set(value, used);
      chunk[used + value.length] = LINE_BREAK;
      used += value.length + 1;
      bytes += value.length + 1;
      lines += 1;
    };

    const subscription = source.subscribe({
      next(record) {
        const value = record.value;
        const reason: RefusalReason | undefined = value === null ? 'tombstone'
          : value[0] !== OPEN_BRACE ? 'not-an-object' : value.includes(LINE_BREAK) ? 'line-break' : undefined;
        // What the batch holds of the record: its line, or the start kept of a refused one.
        const size = value === null ? 0 : reason === undefined ? value.length + 1 : Math.min(value.length, DEFAULT_INPUT_LIMITS.maxLineBytes);
        if (records > 0 && bytes + size > options.maxBytes) flush();
        if (records === 0) {
          firstOffset = record.offset;
          timer = scheduler.schedule(flush, options.maxMs);
        }
        records += 1;
        lastOffset = record.offset;
        if (reason === undefined) {
          append(value!);
          offsets.push(record.offset);
        } else {
          refused += 1;
          bytes += size;
          refusals.push({ offset: record.offset, reason, raw: value === null ? '' : value.toString('utf8', 0, size) });
        }
        if (records >= options.maxLines) flush();
      },
      error: (error: unknown) => subscriber.error(error),
      complete() {
        flush();
        subscriber.complete();
      },
    });
    return () => {
      timer?.unsubscribe();
      subscription.unsubscribe();
    };
  });
}
