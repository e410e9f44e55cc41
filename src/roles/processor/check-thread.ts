/**
 * The check thread's entry: it builds its own processor core from the role's configuration (its
 * own schema registry and user-agent parser) and answers each {@link CheckJob} with its
 * {@link CheckResult}. It runs the domain path off the thread that drives the Kafka client, which
 * is the processor's limit on this client (check-thread-pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ProcessorConfig } from '../../domain/config/role-config.js';
import { checkBatch, type CheckJob, type CheckResult } from './check-batch.js';
import { transferables } from './check-job.js';
import { createProcessorCore } from './processor-core.js';

/** What the main thread sends. */
export type CheckRequest = CheckJob;

/** What the check thread answers: a result, or the job's failure (a bug: the domain path returns failures as data). */
export type CheckReply = { readonly ok: true; readonly result: CheckResult } | { readonly ok: false; readonly id: number; readonly message: string };

const port = parentPort;
if (port === null) throw new Error('check-thread.ts runs as a worker thread');
const { config } = workerData as { config: ProcessorConfig };
const core = createProcessorCore(config);

function reply(answer: CheckReply): void {
  port!.postMessage(answer, answer.ok ? transferables(answer.result) : []);
}

port.on('message', (job: CheckRequest) => {
  try {
    const result = checkBatch(core, job);
    if (result instanceof Promise) {
      result.then((r) => reply({ ok: true, result: r }), (error: unknown) => reply({ ok: false, id: job.id, message: String(error) }));
    } else {
      reply({ ok: true, result });
    }
  } catch (error) {
    reply({ ok: false, id: job.id, message: String(error) });
  }
});
