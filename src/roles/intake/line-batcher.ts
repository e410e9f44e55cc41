/** Why {@link LineBatcher.offer} refused a line. */
export type OfferResult = 'accepted' | 'backlog-full' | 'down';

/** Collects lines in memory and sends them in small batches, one batch in flight at a time. */
export interface LineBatcher {
  /** Queues a line; refuses (never blocks, never grows past the bound) when full or down. */
  offer(line: string): OfferResult;
  /** Lines queued or in flight. */
  backlog(): number;
  /** False after a failed send until a send succeeds again. */
  healthy(): boolean;
  /**
   * Stops accepting and sends what is queued, retrying until `timeoutMs` has passed.
   * @returns the number of lines that could not be sent
   */
  drain(timeoutMs: number): Promise<number>;
}

/** Options of {@link createLineBatcher}. */
export interface LineBatcherOptions {
  /** Sends one batch; resolves when the broker acknowledged it. */
  readonly send: (lines: readonly string[]) => Promise<void>;
  /** Whether the transport is connected at all; lines are refused as `down` while it is not. */
  readonly connected: () => boolean;
  /** Lines per send. */
  readonly maxBatch?: number;
  /** How long the first line of a batch waits for company. */
  readonly lingerMs?: number;
  /** Queued plus in-flight lines beyond which offers are refused as `backlog-full`. */
  readonly maxBacklog?: number;
  /** Delay before retrying a failed send (doubles up to 5 s). */
  readonly retryDelayMs?: number;
  readonly onSent?: (count: number, seconds: number) => void;
  readonly onSendFailed?: (error: Error, count: number) => void;
  /** High-resolution clock for latency, ms. */
  readonly now?: () => number;
}

/**
 * Creates a batcher. Beacons are answered before they are produced, so memory is the only buffer:
 * it is bounded by `maxBacklog`, and a failed batch stays at the head of the queue and is retried
 * (never dropped) so a broker blip costs latency, not events; while it fails, new lines are
 * refused so the intake answers 503 instead of growing without bound.
 */
export function createLineBatcher(options: LineBatcherOptions): LineBatcher {
  const maxBatch = options.maxBatch ?? 500;
  const lingerMs = options.lingerMs ?? 5;
  const maxBacklog = options.maxBacklog ?? 100_000;
  const baseRetry = options.retryDelayMs ?? 100;
  const now = options.now ?? (() => performance.now());
  let queue: string[] = [];
  let sending = false;
  let failing = false;
  let closed = false;
  let deadline = Infinity;
  let timer: NodeJS.Timeout | undefined;
  let idle: (() => void) | undefined;

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function loop(): Promise<void> {
    sending = true;
    let retry = baseRetry;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        const started = now();
        try {
          await options.send(batch);
          queue = queue.slice(batch.length);
          failing = false;
          retry = baseRetry;
          options.onSent?.(batch.length, (now() - started) / 1000);
        } catch (error) {
          failing = true;
          options.onSendFailed?.(error as Error, batch.length);
          if (Date.now() + retry > deadline) return;
          await sleep(retry);
          retry = Math.min(retry * 2, 5000);
        }
      }
    } finally {
      sending = false;
      idle?.();
    }
  }

  const kick = () => {
    if (sending) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    void loop();
  };

  return {
    offer(line) {
      if (closed || !options.connected() || failing) return 'down';
      if (queue.length >= maxBacklog) return 'backlog-full';
      queue.push(line);
      if (!sending) {
        if (queue.length >= maxBatch) kick();
        else timer ??= setTimeout(kick, lingerMs);
      }
      return 'accepted';
    },
    backlog: () => queue.length,
    healthy: () => !failing,
    async drain(timeoutMs) {
      closed = true;
      deadline = Date.now() + timeoutMs;
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (queue.length > 0 && Date.now() < deadline) {
        const done = new Promise<void>((resolve) => {
          idle = resolve;
        });
        if (!sending) void loop();
        await done;
        idle = undefined;
        // The loop only leaves lines behind when retrying would pass the deadline.
        if (failing) break;
      }
      return queue.length;
    },
  };
}
