/**
 * The processor as a pipe: lines from `stdin://` or a file in, capsules (and EventErrors) out to
 * `stdout://`, files or Kafka topics, as in `cat raw.log | eventlogging processor FORMAT stdin://
 * stdout://`. Output follows input order; lines are written in batches, each awaited before the
 * next is read, so memory stays bounded however large the input.
 */
import { DEFAULT_INPUT_LIMITS } from '../../domain/event/input-limits.js';
import type { KafkaSink, OutMessage } from '../../adapters/kafka/kafka-producer.js';
import { routeChecked, type Checked } from '../../streams/route.js';
import type { ProcessorCore } from './processor-core.js';
import type { ProcessorMetrics } from './processor-metrics.js';
import { byteLines } from './byte-lines.js';

/** What {@link runPipeProcessor} needs. */
export interface PipeProcessorDeps {
  readonly core: Pick<ProcessorCore, 'check' | 'route' | 'known'>;
  readonly input: NodeJS.ReadableStream;
  /** The outputs' writer (`openProcessorOutputs`). */
  readonly writer: Pick<KafkaSink, 'send'>;
  readonly metrics?: ProcessorMetrics;
  /** Lines per output batch (default 1,000). */
  readonly batchSize?: number;
  /** Stops reading; what was read is still written. */
  readonly signal?: AbortSignal;
}

/** What a pipe run did. */
export interface PipeSummary {
  readonly lines: number;
  readonly valid: number;
  readonly invalid: number;
  readonly messages: number;
}

/**
 * Processes every line of `input` and resolves once all output is written (or rejects with the
 * writer's error). Empty lines are skipped: they are the artefact of a trailing newline or a blank
 * line in a file, never an event.
 */
export async function runPipeProcessor(deps: PipeProcessorDeps): Promise<PipeSummary> {
  const { core, writer, metrics, signal } = deps;
  const batchSize = deps.batchSize ?? 1000;
  let lines = 0;
  let valid = 0;
  let invalid = 0;
  let messages = 0;
  let pending: OutMessage[] = [];
  let pendingLines = 0;

  const flush = async (): Promise<void> => {
    if (pending.length > 0) await writer.send(pending);
    messages += pending.length;
    pending = [];
    pendingLines = 0;
  };
  const take = (checked: Checked): void => {
    metrics?.observe(checked, core.known);
    if (checked.kind === 'valid') valid += 1;
    else invalid += 1;
    for (const m of routeChecked(core.route, checked)) pending.push(m);
  };

  const lineBytes = byteLines(deps.input as AsyncIterable<Buffer | string>, DEFAULT_INPUT_LIMITS.maxLineBytes);
  // Stopping ends the read at once, even while it waits for input that may never come.
  const onAbort = () => (deps.input as { destroy?: () => void }).destroy?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const line of withStop(lineBytes, signal)) {
      // A blank line (a file's trailing newline) is never an event.
      if (line.length === 0) continue;
      lines += 1;
      const checked = core.check({ value: line });
      take(checked instanceof Promise ? await checked : checked);
      pendingLines += 1;
      if (pendingLines >= batchSize) await flush();
      if (signal?.aborted) break;
    }
    await flush();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await lineBytes.return(undefined);
  }
  return { lines, valid, invalid, messages };
}

/** The lines until `signal` stops them: a read cut short by stopping ends the lines, it is no failure. */
async function* withStop(lines: AsyncGenerator<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  try {
    yield* lines;
  } catch (error) {
    if (signal?.aborted !== true) throw error;
  }
}
