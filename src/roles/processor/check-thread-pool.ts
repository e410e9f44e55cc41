/**
 * The processor's check threads. On librdkafka the thread that drives the client is the
 * processor's limit (one native call per message produced, one object per record read), so the
 * domain path (parse, decode, capsule, validate, route) runs on threads of its own: jobs go in as
 * one transferred byte buffer, results come back as parallel arrays. A thread that dies is
 * replaced, and the jobs it held are checked on this thread instead (the domain path is
 * deterministic, so the output is the same); after repeated deaths the role stays on this thread.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ProcessorConfig } from '../../domain/config/role-config.js';
import type { KafkaRecord } from '../../adapters/kafka/kafka-record.js';
import { checkBatch, type CheckResult } from './check-batch.js';
import { packJob, transferables } from './check-job.js';
import type { CheckReply } from './check-thread.js';
import type { ProcessorCore } from './processor-core.js';

/** Runs batches of raw records through the domain path. */
export interface CheckThreads {
  /** Checks and routes one partition's records, in order. */
  run(topic: string, partition: number, records: readonly KafkaRecord[]): CheckResult | Promise<CheckResult>;
  /** Threads alive now (0: everything runs on the calling thread). */
  threads(): number;
  close(): Promise<void>;
}

/** What {@link createCheckThreads} needs. */
export interface CheckThreadsOptions {
  /** The role's configuration: each thread builds its own core from it. */
  readonly config: ProcessorConfig;
  /** This thread's core: the fallback. */
  readonly core: Pick<ProcessorCore, 'check' | 'route' | 'known'>;
  /** Threads to run (0: none, everything on the calling thread). */
  readonly threads: number;
  readonly logger: Logger;
  /** Told when a thread died (metrics). */
  readonly onThreadLost?: () => void;
  /** Told of each thread started (tests). */
  readonly onThread?: (worker: Worker) => void;
}

// Built, the thread is check-thread.js next to this file; under tsx (tests, benchmarks) it is the
// .ts file, which a worker can load only after registering tsx itself.
const HERE = fileURLToPath(import.meta.url);
const SOURCE_MODE = HERE.endsWith('.ts');
const THREAD_URL = new URL(SOURCE_MODE ? './check-thread.ts' : './check-thread.js', import.meta.url);

function spawn(config: ProcessorConfig): Worker {
  const workerData = { config };
  if (!SOURCE_MODE) return new Worker(THREAD_URL, { workerData });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** Deaths after which no thread is started again: something is wrong with the thread itself. */
const MAX_DEATHS = 3;

interface Pending {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly KafkaRecord[];
  resolve(result: CheckResult): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

/** Starts the check threads (none when `threads` is 0). */
export function createCheckThreads(options: CheckThreadsOptions): CheckThreads {
  const { logger, core } = options;
  const alive: Thread[] = [];
  let deaths = 0;
  let nextId = 1;
  let closing = false;

  /** Checks records on this thread: the fallback. */
  function local(topic: string, partition: number, records: readonly KafkaRecord[]): CheckResult | Promise<CheckResult> {
    return checkBatch(core, packJob(0, topic, partition, records));
  }

  function start(): void {
    const thread: Thread = { worker: spawn(options.config), pending: new Map() };
    alive.push(thread);
    options.onThread?.(thread.worker);
    thread.worker.on('message', (reply: CheckReply) => {
      const id = reply.ok ? reply.result.id : reply.id;
      const job = thread.pending.get(id);
      if (job === undefined) return;
      thread.pending.delete(id);
      if (reply.ok) {
        job.resolve(reply.result);
        return;
      }
      // The domain path returns failures as data; a throw is a bug. The job runs here instead,
      // where it fails the same way and ends the partition's stream with the error.
      logger.error({ message: reply.message }, 'check thread failed a job; checking it on the main thread');
      settleLocally(job);
    });
    thread.worker.on('error', (error) => logger.error({ err: error }, 'check thread failed'));
    thread.worker.on('exit', (code) => {
      alive.splice(alive.indexOf(thread), 1);
      const orphans = [...thread.pending.values()];
      thread.pending.clear();
      if (!closing) {
        deaths += 1;
        options.onThreadLost?.();
        const replace = deaths < MAX_DEATHS;
        logger.error({ exitCode: code, jobs: orphans.length, deaths, replaced: replace }, replace
          ? 'check thread exited; its jobs run on the main thread and a new thread starts'
          : 'check thread exited again; the processor checks on its main thread from now on');
        if (replace) start();
      }
      for (const job of orphans) settleLocally(job);
    });
  }

  function settleLocally(job: Pending): void {
    try {
      const result = local(job.topic, job.partition, job.records);
      if (result instanceof Promise) result.then(job.resolve, job.reject);
      else job.resolve(result);
    } catch (error) {
      job.reject(error as Error);
    }
  }

  for (let i = 0; i < options.threads; i += 1) start();

  return {
    run(topic, partition, records) {
      if (alive.length === 0) return local(topic, partition, records);
      // The thread with the fewest jobs waiting takes it.
      let thread = alive[0]!;
      for (const t of alive) if (t.pending.size < thread.pending.size) thread = t;
      const id = nextId++;
      const job = packJob(id, topic, partition, records);
      return new Promise<CheckResult>((resolve, reject) => {
        thread.pending.set(id, { topic, partition, records, resolve, reject });
        thread.worker.postMessage(job, transferables(job));
      });
    },
    threads: () => alive.length,
    async close() {
      closing = true;
      await Promise.all(alive.map((t) => t.worker.terminate()));
    },
  };
}
