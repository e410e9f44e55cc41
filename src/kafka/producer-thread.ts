/**
 * A {@link KafkaSink} whose kafkajs producer runs in a worker thread (producer-worker.ts). The
 * processor's thread packs each batch into one transferable frame and gets back one answer per
 * batch: the same contract as an in-thread sink (resolve once every in-sync replica has it, or
 * reject with a classified error), with record-batch encoding moved to another core.
 *
 * If the thread dies, every batch in flight is rejected as retryable (the produce stage retries
 * it, so nothing is lost) and the next send starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ElError, type ErrorCode } from '../domain/errors.js';
import type { KafkaSink, OutMessage } from './kafka-producer.js';
import { packFrame } from './produce-frame.js';
import type { ThreadError, ThreadReply, ThreadRequest } from './producer-thread-protocol.js';

/** What {@link createThreadedKafkaSink} needs. */
export interface ThreadedSinkOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Receives the thread's log lines (kafkajs' included), at this logger's level. */
  readonly logger: Logger;
  /** Told of each thread started (tests stop one to check recovery). */
  readonly onThread?: (worker: Worker) => void;
  /** Told when the thread's producer sends messages again on its own (a metric counts them). */
  readonly onRetry?: (code: ErrorCode, messages: number) => void;
  /** Told when a thread dies other than by `close()` (a metric counts it). */
  readonly onThreadLost?: (error: ElError) => void;
}

// Built, the worker is producer-worker.js next to this file. Under tsx (tests, benchmarks) it is
// TypeScript, and a worker does not inherit tsx's loader: register it in the thread first.
const HERE = fileURLToPath(import.meta.url);
const SOURCE_MODE = HERE.endsWith('.ts');
const WORKER_URL = new URL(SOURCE_MODE ? './producer-worker.ts' : './producer-worker.js', import.meta.url);

function spawnWorker(): Worker {
  if (!SOURCE_MODE) return new Worker(WORKER_URL);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true });
}

const toElError = (e: ThreadError): ElError => new ElError(e.code, e.message, e.details ? { details: e.details } : {});

interface Thread {
  readonly worker: Worker;
  connected: boolean;
  readonly pending: Map<number, { resolve: () => void; reject: (error: ElError) => void }>;
  onClosed?: () => void;
}

/**
 * Starts a producer thread and connects its producer; rejects with a classified error when the
 * brokers cannot be reached (the thread is stopped then).
 */
export async function createThreadedKafkaSink(options: ThreadedSinkOptions): Promise<KafkaSink> {
  const { logger } = options;
  let thread: Thread | undefined;
  let starting: Promise<Thread> | undefined;
  let closing = false;
  let nextId = 1;

  function relayLog(line: string): void {
    try {
      const { level, msg, ...rest } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
      const label = (logger.levels.labels[level] ?? 'info') as 'info';
      logger[label]({ thread: 'producer', ...rest }, msg);
    } catch {
      logger.info({ thread: 'producer' }, line.trim());
    }
  }

  function start(): Promise<Thread> {
    return new Promise<Thread>((resolve, reject) => {
      const worker = spawnWorker();
      options.onThread?.(worker);
      const t: Thread = { worker, connected: false, pending: new Map() };
      let ready = false;
      let failed = false;
      const fail = (error: ElError): void => {
        if (failed) return;
        failed = true;
        if (ready && !closing) options.onThreadLost?.(error);
        t.connected = false;
        if (thread === t) thread = undefined;
        for (const p of t.pending.values()) p.reject(error);
        t.pending.clear();
        if (!ready) reject(error);
        t.onClosed?.();
      };
      worker.on('message', (reply: ThreadReply) => {
        switch (reply.type) {
          case 'log': relayLog(reply.line); return;
          case 'retried': options.onRetry?.(reply.code, reply.messages); return;
          case 'connection': t.connected = reply.connected; return;
          case 'connected':
            ready = true;
            t.connected = true;
            resolve(t);
            return;
          case 'connect-failed':
            void worker.terminate();
            fail(toElError(reply.error));
            return;
          case 'sent': {
            const p = t.pending.get(reply.id);
            t.pending.delete(reply.id);
            p?.resolve();
            return;
          }
          case 'failed': {
            const p = t.pending.get(reply.id);
            t.pending.delete(reply.id);
            p?.reject(toElError(reply.error));
            return;
          }
          case 'closed': t.onClosed?.(); return;
        }
      });
      worker.on('error', (error) => {
        logger.error({ err: error }, 'producer thread failed; batches in flight will be retried');
        fail(new ElError('EL_KAFKA_UNAVAILABLE', `producer thread failed: ${error.message}`, { cause: error }));
      });
      worker.on('exit', (code) => {
        if (!closing) logger.warn({ code }, 'producer thread exited');
        fail(new ElError('EL_KAFKA_UNAVAILABLE', `producer thread exited with code ${code}`));
      });
      const request: ThreadRequest = { type: 'connect', brokers: options.brokers, clientId: options.clientId, logLevel: logger.level };
      worker.postMessage(request);
    });
  }

  /** The running thread, started (again) when there is none. */
  async function ensure(): Promise<Thread> {
    if (thread !== undefined) return thread;
    starting ??= start().then(
      (t) => {
        thread = t;
        starting = undefined;
        return t;
      },
      (error: unknown) => {
        starting = undefined;
        throw error;
      },
    );
    return starting;
  }

  await ensure();

  return {
    async send(messages: readonly OutMessage[]) {
      if (messages.length === 0) return;
      if (closing) throw new ElError('EL_KAFKA_UNAVAILABLE', 'producer closed');
      const t = await ensure();
      const frame = packFrame(messages);
      const id = nextId++;
      const done = new Promise<void>((resolve, reject) => t.pending.set(id, { resolve, reject }));
      const request: ThreadRequest = { type: 'send', id, frame };
      t.worker.postMessage(request, [frame.bytes.buffer as ArrayBuffer, frame.table.buffer as ArrayBuffer]);
      return done;
    },
    connected: () => thread?.connected ?? false,
    async close() {
      closing = true;
      const t = thread ?? (await starting?.catch(() => undefined));
      if (t === undefined) return;
      // Let the producer disconnect cleanly, but never hang a shutdown on it.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        t.onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
        t.worker.postMessage({ type: 'close' } satisfies ThreadRequest);
      });
      await t.worker.terminate();
      thread = undefined;
    },
  };
}
