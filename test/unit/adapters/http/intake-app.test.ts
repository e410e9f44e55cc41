import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { connect, type AddressInfo } from 'node:net';
import { buildIntakeApp, type IntakeAppDeps, type ServerSideEvents } from '../../../../src/adapters/http/intake-app.js';
import { createIntakeMetrics } from '../../../../src/roles/intake/intake-metrics.js';
import type { OfferResult } from '../../../../src/roles/intake/line-batcher.js';

const NOW = Date.UTC(2024, 4, 1, 10, 20, 30, 456);

function setup(overrides: Partial<IntakeAppDeps> & { offer?: OfferResult } = {}) {
  const registry = new Registry();
  const lines: string[] = [];
  let next = 100;
  const deps: IntakeAppDeps = {
    recvFrom: 'intake1',
    maxQueryLength: 64,
    clock: () => NOW,
    seq: { take: () => next++, ready: async () => {} },
    produceRaw: (line) => {
      if (overrides.offer && overrides.offer !== 'accepted') return overrides.offer;
      lines.push(line);
      return 'accepted';
    },
    metrics: createIntakeMetrics(registry, 'test'),
    ...overrides,
  };
  return { app: buildIntakeApp(deps), lines, registry };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? NaN;
}

const Q = '%7B%22schema%22%3A%22Test%22%7D;';

test('GET /beacon/event answers 204 and produces the exact raw line', async () => {
  const { app, lines, registry } = setup();
  const res = await app.inject({ method: 'GET', url: `/beacon/event?${Q}`, headers: { 'user-agent': 'Mozilla/5.0 (X11)\tx' }, remoteAddress: '10.1.2.3' });
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, '');
  assert.deepEqual(lines, [`?${Q}\tintake1\t100\t2024-05-01T10:20:30\t10.1.2.3\tMozilla/5.0 (X11) x`]);
  assert.equal(await metric(registry, 'eventlogging_intake_beacons_received_total', { intake: 'test' }), 1);
});

test('POST /beacon/event with any body type answers 204; seqIds follow arrival', async () => {
  const { app, lines } = setup();
  for (const headers of [{ 'content-type': 'text/plain;charset=UTF-8', 'user-agent': '' }, { 'content-type': 'application/json', 'user-agent': '' }, { 'user-agent': '' }]) {
    const res = await app.inject({ method: 'POST', url: `/beacon/event?${Q}`, headers, payload: '{"ignored": true}' });
    assert.equal(res.statusCode, 204, JSON.stringify(headers));
  }
  assert.deepEqual(lines.map((l) => l.split('\t')[2]), ['100', '101', '102']);
  assert.ok(lines.every((l) => l.split('\t')[5] === '-'), 'blank user agent → -');
});

test('an empty query is 400 and not produced', async () => {
  const { app, lines, registry } = setup();
  for (const url of ['/beacon/event', '/beacon/event?', '/beacon/event?;']) {
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 400, url);
  }
  assert.deepEqual(lines, []);
  assert.equal(await metric(registry, 'eventlogging_intake_beacons_dropped_total', { reason: 'empty' }), 3);
});

test('an over-long query is 414, counted, and not produced; the limit itself is accepted', async () => {
  const { app, lines, registry } = setup();
  const atLimit = 'a'.repeat(64);
  assert.equal((await app.inject({ method: 'GET', url: `/beacon/event?${atLimit}` })).statusCode, 204);
  assert.equal((await app.inject({ method: 'GET', url: `/beacon/event?${atLimit}b` })).statusCode, 414);
  assert.equal(lines.length, 1);
  assert.equal(await metric(registry, 'eventlogging_intake_beacons_dropped_total', { reason: 'too_long' }), 1);
});

test('output down or backlog full: 503 and counted by reason', async () => {
  for (const [offer, reason] of [['down', 'producer_down'], ['backlog-full', 'backlog_full']] as const) {
    const { app, lines, registry } = setup({ offer });
    assert.equal((await app.inject({ method: 'GET', url: `/beacon/event?${Q}` })).statusCode, 503);
    assert.deepEqual(lines, []);
    assert.equal(await metric(registry, 'eventlogging_intake_beacons_dropped_total', { reason }), 1);
  }
});

test('the seq allocator waiting for its next block delays, then serves; a failed block is 503', async () => {
  let ready = false;
  const okSeq = { take: () => (ready ? 7 : undefined), ready: async () => { ready = true; } };
  const a = setup({ seq: okSeq });
  assert.equal((await a.app.inject({ method: 'GET', url: `/beacon/event?${Q}` })).statusCode, 204);
  assert.equal(a.lines[0]!.split('\t')[2], '7');
  const badSeq = { take: () => undefined, ready: async () => { throw new Error('disk'); } };
  const b = setup({ seq: badSeq });
  assert.equal((await b.app.inject({ method: 'GET', url: `/beacon/event?${Q}` })).statusCode, 503);
  assert.equal(await metric(b.registry, 'eventlogging_intake_beacons_dropped_total', { reason: 'seq_unavailable' }), 1);
});

test('other paths are 404', async () => {
  const { app, lines } = setup();
  assert.equal((await app.inject({ method: 'GET', url: `/event.gif?${Q}` })).statusCode, 404);
  assert.deepEqual(lines, []);
});

/** A fake server-side half: events with `ok: true` are valid. */
function fakeEvents(fail = false) {
  const produced: { valid: unknown[]; invalid: unknown[] }[] = [];
  const seen: unknown[] = [];
  const events: ServerSideEvents = {
    async accept(input, meta) {
      seen.push(meta);
      const ok = (input as { ok?: boolean }).ok === true;
      return ok
        ? { kind: 'valid', capsule: { ...(input as object), seqId: meta.seqId, dt: meta.dt } }
        : { kind: 'invalid', error: { schema: 'EventError', seqId: meta.seqId }, message: `bad ${meta.seqId}` };
    },
    async produce(valid, invalid) {
      if (fail) throw new Error('kafka down');
      produced.push({ valid: [...valid], invalid: [...invalid] });
    },
  };
  return { events, produced, seen };
}

test('POST /v1/events: all valid → 201; some → 207 with errors by index; none → 400', async () => {
  const f = fakeEvents();
  const { app } = setup({ events: f.events });
  const all = await app.inject({ method: 'POST', url: '/v1/events', payload: [{ ok: true }, { ok: true }] });
  assert.equal(all.statusCode, 201);
  assert.deepEqual(all.json(), { accepted: 2, rejected: 0, errors: [] });
  const some = await app.inject({ method: 'POST', url: '/v1/events', payload: [{ ok: true }, { ok: false }] });
  assert.equal(some.statusCode, 207);
  assert.deepEqual(some.json(), { accepted: 1, rejected: 1, errors: [{ index: 1, message: 'bad 103' }] });
  const none = await app.inject({ method: 'POST', url: '/v1/events', payload: { ok: false } });
  assert.equal(none.statusCode, 400);
  assert.equal(none.json().rejected, 1);
  // Invalid events still go out as EventErrors; valid ones with their own seqIds and dt = now.
  assert.deepEqual(f.produced, [
    { valid: [{ ok: true, seqId: 100, dt: '2024-05-01T10:20:30Z' }, { ok: true, seqId: 101, dt: '2024-05-01T10:20:30Z' }], invalid: [] },
    { valid: [{ ok: true, seqId: 102, dt: '2024-05-01T10:20:30Z' }], invalid: [{ schema: 'EventError', seqId: 103 }] },
    { valid: [], invalid: [{ schema: 'EventError', seqId: 104 }] },
  ]);
  assert.equal((f.seen[0] as { recvFrom: string }).recvFrom, 'intake1');
});

test('POST /v1/events: bad bodies are 400 and produce nothing', async () => {
  const f = fakeEvents();
  const { app } = setup({ events: f.events });
  const cases = [
    { payload: '{not json', headers: { 'content-type': 'application/json' } },
    { payload: '[]', headers: { 'content-type': 'application/json' } },
    { payload: '"a string"', headers: { 'content-type': 'application/json' } },
  ];
  for (const c of cases) assert.equal((await app.inject({ method: 'POST', url: '/v1/events', ...c })).statusCode, 400, c.payload);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/events', payload: 'x', headers: { 'content-type': 'text/plain' } })).statusCode, 400);
  assert.deepEqual(f.produced, []);
});

test('POST /v1/events: output failure is 503; no schemas configured is 503', async () => {
  const { app } = setup({ events: fakeEvents(true).events });
  assert.equal((await app.inject({ method: 'POST', url: '/v1/events', payload: { ok: true } })).statusCode, 503);
  const { app: bare } = setup();
  assert.equal((await bare.inject({ method: 'POST', url: '/v1/events', payload: { ok: true } })).statusCode, 503);
});

test('a beacon body over the limit is answered 413 with the connection closed, and counted', async () => {
  const { app, lines, registry } = setup({ limits: { maxBeaconBodyBytes: 100 } });
  const res = await app.inject({ method: 'POST', url: `/beacon/event?${Q}`, payload: 'x'.repeat(101), headers: { 'content-type': 'text/plain' } });
  assert.equal(res.statusCode, 413);
  assert.equal(res.headers.connection, 'close');
  assert.equal(lines.length, 0);
  assert.equal(await metric(registry, 'eventlogging_intake_beacons_dropped_total', { reason: 'body_too_large' }), 1);
  const ok = await app.inject({ method: 'POST', url: `/beacon/event?${Q}`, payload: 'x'.repeat(100), headers: { 'content-type': 'text/plain' } });
  assert.equal(ok.statusCode, 204);
});

test('/v1/events refuses more events than the limit with 413 before validating any', async () => {
  let accepted = 0;
  const events: ServerSideEvents = {
    accept: async () => {
      accepted += 1;
      return { kind: 'valid', capsule: {} };
    },
    produce: async () => {},
  };
  const { app, registry } = setup({ events, limits: { maxEventsPerRequest: 3 } });
  const res = await app.inject({ method: 'POST', url: '/v1/events', payload: [{}, {}, {}, {}] });
  assert.equal(res.statusCode, 413);
  assert.equal(accepted, 0);
  assert.equal(await metric(registry, 'eventlogging_intake_rejected_requests_total', { reason: 'too_many_events' }), 1);
  assert.equal((await app.inject({ method: 'POST', url: '/v1/events', payload: [{}, {}, {}] })).statusCode, 201);
});

test('a client still sending a refused body reads the whole 413, then the server closes the connection', async () => {
  // Closing at once made the kernel reset the connection under the client's unread upload, and
  // a loaded run's client saw "fetch failed" instead of the 413.
  const { app } = setup();
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1'); });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(`POST /beacon/event?${Q} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${30 * 1024 * 1024}\r\n\r\n`);
    // Keep sending, as a client uploading a large body does, until the server closes, and read
    // the answer only after a while, as a client busy uploading does: a reset from the server
    // would discard the unread answer (what the former immediate close did).
    socket.pause();
    const chunk = Buffer.alloc(64 * 1024, 120);
    const pump = setInterval(() => { if (!socket.destroyed) socket.write(chunk); }, 5);
    setTimeout(() => socket.resume(), 300);
    await closed;
    clearInterval(pump);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /\r\n\r\n/, 'the whole head of the answer arrived');
  } finally {
    await app.close();
  }
});
