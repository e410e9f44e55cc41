/**
 * One TCP connection to one broker: size-prefixed requests out, responses matched back by
 * correlation id. Kafka answers the requests of a connection in order, so several may be in
 * flight. A connection that errors, closes or times out fails every request it still holds,
 * with a classified error, and is not used again.
 */
import { Socket } from 'node:net';
import { ElError } from '../../domain/errors.js';
import { classifyError } from '../../supervision/classify-error.js';

interface Pending {
  readonly resolve: (body: Buffer) => void;
  readonly reject: (error: ElError) => void;
  readonly timer: NodeJS.Timeout;
}

/** A live connection; see {@link connectBroker}. */
export interface BrokerConnection {
  readonly address: string;
  /** Sends a complete request (size field included) and resolves with the response body. */
  request(payload: Buffer, correlationId: number, timeoutMs: number): Promise<Buffer>;
  /** False once the connection has failed or been closed. */
  alive(): boolean;
  close(): void;
}

/** Opens a connection to `host:port`, failing with a classified error after `timeoutMs`. */
export function connectBroker(host: string, port: number, timeoutMs: number): Promise<BrokerConnection> {
  const address = `${host}:${port}`;
  return new Promise<BrokerConnection>((resolve, reject) => {
    const socket = new Socket();
    socket.setNoDelay(true);
    const pending = new Map<number, Pending>();
    let open = false;
    let failed: ElError | undefined;
    let chunks: Buffer[] = [];
    let buffered = 0;

    const fail = (error: ElError): void => {
      if (failed !== undefined) return;
      failed = error;
      socket.destroy();
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(error);
      }
      pending.clear();
      if (!open) reject(error);
    };

    const connectTimer = setTimeout(
      () => fail(new ElError('EL_KAFKA_UNAVAILABLE', `broker ${address}: no connection after ${timeoutMs} ms`, { details: { broker: address } })),
      timeoutMs,
    );

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      while (buffered >= 4) {
        const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
        const size = head.readInt32BE(0);
        if (buffered < 4 + size) {
          chunks = [head];
          break;
        }
        const body = head.subarray(4, 4 + size);
        const rest = head.subarray(4 + size);
        chunks = rest.length > 0 ? [rest] : [];
        buffered = rest.length;
        const id = body.readInt32BE(0);
        const p = pending.get(id);
        if (p === undefined) {
          fail(new ElError('EL_KAFKA_UNAVAILABLE', `broker ${address}: response to unknown request ${id}`, { details: { broker: address } }));
          return;
        }
        pending.delete(id);
        clearTimeout(p.timer);
        p.resolve(body);
      }
    });
    socket.on('error', (error) => {
      const e = classifyError(error, 'kafka');
      fail(new ElError(e.code, `broker ${address}: ${error.message}`, { cause: error, details: { broker: address } }));
    });
    socket.on('close', () => fail(new ElError('EL_KAFKA_UNAVAILABLE', `broker ${address}: connection closed`, { details: { broker: address } })));
    socket.connect(port, host, () => {
      clearTimeout(connectTimer);
      open = true;
      resolve({
        address,
        request(payload, correlationId, requestTimeoutMs) {
          if (failed !== undefined) return Promise.reject(failed);
          return new Promise<Buffer>((res, rej) => {
            const timer = setTimeout(() => fail(new ElError('EL_TIMEOUT', `broker ${address}: no response to request ${correlationId} after ${requestTimeoutMs} ms`, {
              details: { broker: address },
            })), requestTimeoutMs);
            pending.set(correlationId, { resolve: res, reject: rej, timer });
            socket.write(payload);
          });
        },
        alive: () => failed === undefined,
        close: () => fail(new ElError('EL_KAFKA_UNAVAILABLE', `broker ${address}: connection closed by the producer`, { details: { broker: address } })),
      });
    });
  });
}
