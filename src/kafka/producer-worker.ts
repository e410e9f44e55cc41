/**
 * The producer thread: a frame producer (acks from all in-sync replicas) that takes packed
 * batches from the processor's thread and answers each with its acknowledgement or its classified
 * error. Encoding record batches and the produce round trips run here, on a core of their own,
 * while the processor's thread fetches, decodes and validates.
 */
import { parentPort } from 'node:worker_threads';
import { pino } from 'pino';
import { ElError } from '../domain/errors.js';
import { createFrameProducer, type FrameProducer } from './frame-producer.js';
import type { ThreadReply, ThreadRequest } from './producer-thread-protocol.js';

const port = parentPort;
if (port === null) throw new Error('producer-worker runs as a worker thread');

const post = (reply: ThreadReply): void => port.postMessage(reply);

/** Its log lines go to the parent, which writes them with its own logger. */
function threadLogger(level: string) {
  return pino({ level, base: undefined, timestamp: false }, { write: (line: string) => post({ type: 'log', line }) });
}

function describe(error: unknown): { code: ElError['code']; message: string; details?: Record<string, unknown> } {
  if (error instanceof ElError) return { code: error.code, message: error.message, ...(error.details && { details: { ...error.details } }) };
  return { code: 'EL_KAFKA_FAILED', message: error instanceof Error ? error.message : String(error) };
}

let sink: FrameProducer | undefined;

port.on('message', (request: ThreadRequest) => {
  switch (request.type) {
    case 'connect': {
      const logger = threadLogger(request.logLevel);
      createFrameProducer({
        brokers: request.brokers,
        clientId: request.clientId,
        logger,
        onRetry: (code, messages) => post({ type: 'retried', code, messages }),
        onConnection: (connected) => post({ type: 'connection', connected }),
      }).then(
        (opened) => {
          sink = opened;
          post({ type: 'connected' });
        },
        (error: unknown) => post({ type: 'connect-failed', error: describe(error) }),
      );
      return;
    }
    case 'send': {
      if (sink === undefined) {
        post({ type: 'failed', id: request.id, error: { code: 'EL_KAFKA_UNAVAILABLE', message: 'producer thread not connected' } });
        return;
      }
      sink.send(request.frame).then(
        () => post({ type: 'sent', id: request.id }),
        (error: unknown) => post({ type: 'failed', id: request.id, error: describe(error) }),
      );
      return;
    }
    case 'close': {
      const closing = sink?.close() ?? Promise.resolve();
      void closing.finally(() => post({ type: 'closed' }));
      return;
    }
  }
});
