import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ElError } from '../../../../src/domain/errors.js';
import { connectBroker } from '../../../../src/kafka/wire/broker-connection.js';

/** A request frame: size, then the correlation id and a payload. */
function frame(id: number, payload: string): Buffer {
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from(payload)]);
  body.writeInt32BE(id, 0);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/** A local server whose answers the test writes by hand, byte by byte if it likes. */
async function server(): Promise<{ port: number; peer: Promise<Socket>; close: () => void }> {
  const s = createServer();
  const peer = new Promise<Socket>((resolve) => s.once('connection', resolve));
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { port: (s.address() as AddressInfo).port, peer, close: () => s.close() };
}

describe('broker connections', () => {
  it('match responses to requests by correlation id, however the bytes are split or joined', async () => {
    const srv = await server();
    const c = await connectBroker('127.0.0.1', srv.port, 2_000);
    try {
      const peer = await srv.peer;
      const a = c.request(frame(1, 'req-a'), 1, 5_000);
      const b = c.request(frame(2, 'req-b'), 2, 5_000);
      const d = c.request(frame(3, 'req-d'), 3, 5_000);
      const r1 = frame(1, 'one');
      const r2 = frame(2, 'two');
      const r3 = frame(3, 'three');
      // The size field split in two, then the second and third answers in one write.
      peer.write(r1.subarray(0, 2));
      await new Promise((r) => setTimeout(r, 20));
      peer.write(r1.subarray(2, 9));
      await new Promise((r) => setTimeout(r, 20));
      peer.write(Buffer.concat([r1.subarray(9), r2, r3]));
      const bodies = await Promise.all([a, b, d]);
      assert.deepEqual(bodies.map((x) => [x.readInt32BE(0), x.subarray(4).toString()]), [[1, 'one'], [2, 'two'], [3, 'three']]);
      assert.equal(c.alive(), true);
    } finally {
      c.close();
      srv.close();
    }
  });

  it('fail every request in flight, retryably, when the broker closes the connection, and refuse new ones', async () => {
    const srv = await server();
    const c = await connectBroker('127.0.0.1', srv.port, 2_000);
    const inFlight = c.request(frame(1, 'x'), 1, 5_000);
    (await srv.peer).destroy();
    await assert.rejects(inFlight, (e: unknown) => e instanceof ElError && e.code === 'EL_KAFKA_UNAVAILABLE' && e.flags.retryable);
    assert.equal(c.alive(), false);
    await assert.rejects(c.request(frame(2, 'y'), 2, 5_000), (e: unknown) => e instanceof ElError && e.flags.retryable);
    srv.close();
  });

  it('time out a request the broker never answers (EL_TIMEOUT), and drop the connection', async () => {
    const srv = await server();
    const c = await connectBroker('127.0.0.1', srv.port, 2_000);
    await assert.rejects(c.request(frame(1, 'x'), 1, 100), (e: unknown) => e instanceof ElError && e.code === 'EL_TIMEOUT' && e.flags.retryable);
    assert.equal(c.alive(), false);
    srv.close();
  });

  it('treat an answer to no request as a broken connection', async () => {
    const srv = await server();
    const c = await connectBroker('127.0.0.1', srv.port, 2_000);
    const waiting = c.request(frame(1, 'x'), 1, 5_000);
    (await srv.peer).write(frame(99, 'stray'));
    await assert.rejects(waiting, (e: unknown) => e instanceof ElError && /unknown request 99/.test(e.message));
    assert.equal(c.alive(), false);
    srv.close();
  });
});
