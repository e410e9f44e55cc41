// The intake under attack, over real HTTP against the real broker: clients that drip their
// headers or body, declare a body they never send, post 30 MiB, or send a million events in one
// request are refused or closed and counted by reason, while ordinary beacons keep being answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { parseIntakeArgs } from '../../src/config/parse-role-args.js';
import { createIntake } from '../../src/roles/intake/intake-role.js';
import { HTTP_LIMITS } from '../../src/adapters/http/intake-app.js';
import { BROKERS, freshTopic } from '../helpers/kafka.js';
import { until } from '../helpers/wait.js';

const silent = pino({ level: 'silent' });

async function counter(registry: Registry, name: string, reason: string): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** A raw connection that writes `head` now and one byte of `drip` every second; resolves when the server closes it. */
function slowClient(port: number, head: string, drip: string): { closed: Promise<{ answer: string; afterMs: number }>; socket: Socket } {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    socket.write(head);
    let i = 0;
    timer = setInterval(() => {
      if (drip !== '' && !socket.destroyed && socket.writable) socket.write(drip[i++ % drip.length]!);
    }, 1000);
  });
  socket.on('data', (d: Buffer) => { answer += d.toString(); });
  socket.on('error', () => undefined);
  const closed = new Promise<{ answer: string; afterMs: number }>((resolve) => socket.on('close', () => {
    clearInterval(timer);
    resolve({ answer, afterMs: Date.now() - started });
  }));
  return { closed, socket };
}

test('slow, oversized and amplifying requests are refused and counted while beacons keep being answered', { timeout: 120_000 }, async (t) => {
  const topic = await freshTopic('el-intake-hostile');
  const dir = await mkdtemp(join(tmpdir(), 'el-intake-hostile-'));
  const registry = new Registry();
  const config = parseIntakeArgs(['--port', '0', '--recv-from', 'h.example.org', '--seq-state', join(dir, 's.seq'), '--schemas-path', 'schemas',
    `kafka:///${BROKERS.join(',')}?topic=${topic}`]);
  const role = createIntake({ kind: 'intakes', name: 'hostile', file: 'test', config }, { logger: silent, registry, onFatal: () => {} });
  const slow: Array<ReturnType<typeof slowClient>> = [];
  let beaconing = true;
  try {
    await role.start();
    await until(() => role.status().ready, 30_000, 'intake ready');
    const base = `http://${role.address()}`;
    const port = Number(role.address()?.split(':').pop());

    // Ordinary beacons, one every 50 ms, for as long as the attacks run.
    const latencies: number[] = [];
    const statuses: number[] = [];
    const beacons = (async () => {
      for (let n = 0; beaconing; n += 1) {
        const started = performance.now();
        const res = await fetch(`${base}/beacon/event?${encodeURIComponent(JSON.stringify({ schema: 'Test', revision: 1, event: { n } }))};`);
        latencies.push(performance.now() - started);
        statuses.push(res.status);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    slow.push(slowClient(port, 'GET /beacon/event?%7B%7D HTTP/1.1\r\nHost: a\r\n', 'X-Drip: 1\r\n'));
    slow.push(slowClient(port, 'POST /beacon/event?%7B%7D HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n', 'x'));
    slow.push(slowClient(port, 'POST /beacon/event?%7B%7D HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n', ''));

    // The large attacks come from another process, as they would: building and sending 30 MiB
    // here would stall this process's event loop, which also measures the ordinary beacons.
    //  - 30 MiB posted to the beacon: 413 at once, nothing produced for it;
    //  - one 1 MiB body of 349,524 empty events: 413, no EventError built;
    //  - a 2 MiB body of events: 413.
    const attack = await new Promise<string>((resolve, reject) => {
      const script = `
        const base = process.argv[1];
        const status = (p) => p.then((r) => r.status, (e) => e.message);
        const huge = await status(fetch(base + '/beacon/event?%7B%7D', { method: 'POST', body: Buffer.alloc(30 * 1024 * 1024, 120) }));
        const json = { 'content-type': 'application/json' };
        const many = await status(fetch(base + '/v1/events', { method: 'POST', headers: json, body: '[' + Array.from({ length: 349524 }, () => '{}').join(',') + ']' }));
        const big = await status(fetch(base + '/v1/events', { method: 'POST', headers: json, body: '[' + '{"a":"x"},'.repeat(200000) + '{}]' }));
        console.log(JSON.stringify({ huge, many, big }));`;
      execFile(process.execPath, ['--input-type=module', '-e', script, base], { timeout: 60_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    assert.deepEqual(JSON.parse(attack), { huge: 413, many: 413, big: 413 });
    assert.equal(await counter(registry, 'eventlogging_intake_beacons_dropped_total', 'body_too_large'), 1);
    assert.equal(await counter(registry, 'eventlogging_intake_rejected_requests_total', 'too_many_events'), 1);
    assert.equal(await counter(registry, 'eventlogging_intake_rejected_requests_total', 'body_too_large'), 1);

    // An event nested 5,000 levels deep: refused as an EventError with EL_INPUT_LIMIT, the request answered 400.
    const deep = `{"schema":"Test","revision":1,"wiki":"w","event":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const deepRes = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    assert.equal(deepRes.status, 400);
    assert.match(JSON.stringify(await deepRes.json()), /nested deeper than 32 levels/);

    // A query longer than Node's own 16 KiB header limit meets the intake's 414, counted; past the
    // header allowance, a 431, counted too.
    const longQuery = await fetch(`${base}/beacon/event?${'x'.repeat(20_000)}`);
    assert.equal(longQuery.status, 414);
    assert.equal(await counter(registry, 'eventlogging_intake_beacons_dropped_total', 'too_long'), 1);
    const hugeHeader = await fetch(`${base}/beacon/event?%7B%7D`, { headers: { 'x-pad': 'y'.repeat(8192 + HTTP_LIMITS.headerAllowanceBytes) } }).catch((e: Error) => e);
    assert.equal(hugeHeader instanceof Error ? hugeHeader.message : hugeHeader.status, 431);
    assert.equal(await counter(registry, 'eventlogging_intake_rejected_requests_total', 'header_too_large'), 1);

    // The slow clients are closed by the server (408), within its limits plus its one-second check.
    const closed = await Promise.all(slow.map((s) => s.closed));
    for (const c of closed) {
      assert.match(c.answer, /^HTTP\/1\.1 408/);
      assert.ok(c.afterMs < HTTP_LIMITS.requestTimeoutMs + 5_000, `closed after ${c.afterMs} ms`);
    }
    assert.equal(await counter(registry, 'eventlogging_intake_rejected_requests_total', 'request_timeout'), 3);

    beaconing = false;
    await beacons;
    assert.ok(statuses.length >= 50, `${statuses.length} beacons sent`);
    assert.deepEqual([...new Set(statuses)], [204], 'every ordinary beacon was answered 204');
    const sorted = [...latencies].sort((a, b) => a - b);
    t.diagnostic(`${statuses.length} ordinary beacons during the attacks: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; slow clients closed after ${closed.map((c) => c.afterMs).join(', ')} ms`);
  } finally {
    beaconing = false;
    for (const s of slow) s.socket.destroy();
    await role.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
