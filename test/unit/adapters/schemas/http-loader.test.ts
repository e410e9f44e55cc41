import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpLoader } from '../../../../src/adapters/schemas/http-loader.js';
import { isElError } from '../../../../src/domain/errors.js';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/schemas/` };
}

test('fetches <base>/<Name>/<revision>.json and maps failures to codes', async () => {
  const seen: string[] = [];
  const { server, base } = await serve((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/schemas/Edit/1.json') { res.setHeader('content-type', 'application/json'); res.end('{"properties":{}}'); return; }
    if (req.url === '/schemas/Bad/1.json') { res.end('<html>'); return; }
    if (req.url === '/schemas/Slow/1.json') { setTimeout(() => res.end('{}'), 5000).unref(); return; }
    res.statusCode = req.url === '/schemas/Down/1.json' ? 503 : 404;
    res.end();
  });
  try {
    // A loaded machine may take a while to answer even locally: only the slow case is timed out.
    const load = httpLoader(base, { timeoutMs: 10_000 });
    assert.deepEqual(await load('Edit', 1), { properties: {} });
    await assert.rejects(load('Nope', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND' && /HTTP 404/.test(e.message));
    await assert.rejects(load('Down', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND' && /HTTP 503/.test(e.message));
    await assert.rejects(load('Bad', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_INVALID');
    await assert.rejects(httpLoader(base, { timeoutMs: 200 })('Slow', 1), (e: unknown) => isElError(e) && e.code === 'EL_TIMEOUT');
    await assert.rejects(load('../x', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND');
    assert.ok(seen.includes('/schemas/Edit/1.json'));
    assert.ok(!seen.some((u) => u.includes('..')));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a connection failure is EL_SCHEMA_NOT_FOUND with the cause kept', async () => {
  const load = httpLoader('http://127.0.0.1:1', { timeoutMs: 1000 });
  await assert.rejects(load('Edit', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND' && e.cause !== undefined);
});

test('a schema larger than the cap is refused while it streams; redirects are followed only within the origin', async () => {
  let streamed = 0;
  const other = await serve((_req, res) => { res.end('{"properties":{"stolen":{}}}'); });
  const { server, base } = await serve((req, res) => {
    if (req.url === '/schemas/Huge/1.json') {
      // Chunked, no Content-Length: the loader must stop reading by itself.
      const chunk = Buffer.alloc(64 * 1024, 32);
      const write = () => {
        while (streamed < 400 * 1024 * 1024 && res.write(chunk)) streamed += chunk.length;
        if (streamed < 400 * 1024 * 1024) res.once('drain', write);
        else res.end();
      };
      res.on('close', () => undefined);
      write();
      return;
    }
    if (req.url === '/schemas/Declared/1.json') { res.setHeader('content-length', String(50 * 1024 * 1024)); res.end(); return; }
    if (req.url === '/schemas/Moved/1.json') { res.statusCode = 301; res.setHeader('location', '/schemas/Edit/1.json'); res.end(); return; }
    if (req.url === '/schemas/Away/1.json') { res.statusCode = 302; res.setHeader('location', `${other.base}Edit/1.json`); res.end(); return; }
    if (req.url === '/schemas/Edit/1.json') { res.end('{"properties":{}}'); return; }
    res.statusCode = 404;
    res.end();
  });
  try {
    const load = httpLoader(base, { timeoutMs: 10_000, maxBytes: 1024 * 1024 });
    await assert.rejects(load('Huge', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_INVALID' && /larger than 1048576 bytes/.test(e.message));
    assert.ok(streamed < 100 * 1024 * 1024, `the loader stopped reading (${streamed} bytes sent)`);
    await assert.rejects(load('Declared', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_INVALID');
    assert.deepEqual(await load('Moved', 1), { properties: {} });
    await assert.rejects(load('Away', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND' && /another origin/.test(e.message));
  } finally {
    for (const s of [server, other.server]) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  }
});
