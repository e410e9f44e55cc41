import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { statusCommand } from '../../../src/cli/commands/status.js';
import { loadCommand } from '../../../src/cli/commands/index.js';
import { main } from '../../../src/cli/main.js';
import { runInProcess } from '../../helpers/cli.js';

/** What the fake daemon answers on /status, per test. */
let answer: { code: number; body: string } = { code: 200, body: '{}' };
const paths: string[] = [];
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(answer.code, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function run(args: string[], viaMain = false): Promise<{ code: number; out: string; err: string }> {
  return runInProcess(viaMain ? (a, io) => main(['status', ...a], io) : (a, io) => statusCommand.run(a, io), args, { env: {} });
}

const partition = (p: number, status: string, rule: string, lag: number) => ({
  topic: 'eventlogging_Edit', partition: p, state: 'flowing', inFlight: 2, committedOffset: 100, lag, status, rule,
  explanation: `partition ${p} is ${status}`,
});

function doc(groupStatus: string, partitions: unknown[], overrides: Record<string, unknown> = {}) {
  return {
    startedAt: '2024-05-01T10:00:00.000Z',
    state: 'running',
    roles: [
      { kind: 'intakes', name: 'beacon', state: 'running', healthy: true, ready: true },
      {
        kind: 'consumers', name: 'mysql-m4', state: 'running', healthy: true, ready: true,
        lag: { group: 'mysql-m4-group', supervisorState: 'running', status: groupStatus, complete: 0.5, totalLag: 42, partitions },
        ...overrides,
      },
    ],
  };
}

test('a healthy daemon prints roles and partitions as tables and exits 0', async () => {
  answer = { code: 200, body: JSON.stringify(doc('OK', [partition(0, 'OK', 'no-lag', 0), partition(1, 'OK', 'lag-decreased', 42)])) };
  const { code, out, err } = await run(['--admin', base]);
  assert.equal(err, '');
  assert.equal(code, 0);
  assert.equal(paths.at(-1), '/status');
  const lines = out.split('\n');
  assert.equal(lines[0], `daemon ${base}: running, started 2024-05-01T10:00:00.000Z`);
  assert.match(out, /^ROLE\s+STATE\s+HEALTHY\s+READY\s+GROUP\s+VERDICT\s+LAG$/m);
  assert.match(out, /^intakes\/beacon\s+running\s+yes\s+yes\s+-\s+-\s+-$/m);
  assert.match(out, /^consumers\/mysql-m4\s+running\s+yes\s+yes\s+mysql-m4-group\s+OK\s+42$/m);
  assert.match(out, /^consumers\/mysql-m4: group mysql-m4-group, consumer running, complete 50%$/m);
  assert.match(out, /^ {2}eventlogging_Edit\s+1\s+flowing\s+2\s+42\s+OK\s+lag-decreased$/m);
  assert.match(out, /^all healthy$/m);
});

test('a group verdict other than OK exits 1 and names the partition, its rule and why', async () => {
  answer = { code: 200, body: JSON.stringify(doc('ERR', [partition(0, 'STOP', 'rule4-stopped', 42), partition(1, 'OK', 'no-lag', 0)])) };
  const { code, out } = await run(['--admin', base]);
  assert.equal(code, 1);
  assert.match(out, /^problems:$/m);
  assert.match(out, /consumers\/mysql-m4: group mysql-m4-group is ERR/);
  assert.match(out, /eventlogging_Edit:0 STOP \(rule4-stopped\): partition 0 is STOP/);
  assert.doesNotMatch(out, /eventlogging_Edit:1 /);
});

test('an unhealthy role or a daemon that is not running exits 1; NOTFOUND (no commits yet) does not', async () => {
  answer = { code: 200, body: JSON.stringify(doc('NOTFOUND', [], { healthy: false, state: 'failed' })) };
  let r = await run(['--admin', base]);
  assert.equal(r.code, 1);
  assert.match(r.out, /consumers\/mysql-m4: not healthy \(state failed\)/);
  answer = { code: 200, body: JSON.stringify({ ...doc('NOTFOUND', []), state: 'draining' }) };
  r = await run(['--admin', base]);
  assert.equal(r.code, 1);
  assert.match(r.out, /daemon is draining, not running/);
  answer = { code: 200, body: JSON.stringify(doc('NOTFOUND', [])) };
  r = await run(['--admin', base]);
  assert.equal(r.code, 0);
  assert.match(r.out, /no partitions assigned/);
});

test('--json prints the /status document itself, with the same exit status', async () => {
  const body = doc('WARN', [partition(0, 'WARN', 'lag-increasing', 42)]);
  answer = { code: 200, body: JSON.stringify(body) };
  const { code, out } = await run(['--admin', base.replace('http://', ''), '--json'], true);
  assert.equal(code, 1);
  assert.deepEqual(JSON.parse(out), body);
});

test('an unreachable daemon exits 2 with a clear message', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const { code, out, err } = await run(['--admin', `http://127.0.0.1:${port}`]);
  assert.equal(code, 2);
  assert.equal(out, '');
  assert.match(err, new RegExp(`cannot reach the daemon at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
});

test('a server that is not a daemon (HTTP error or another JSON) exits 2', async () => {
  answer = { code: 500, body: '{}' };
  let r = await run(['--admin', base]);
  assert.equal(r.code, 2);
  assert.match(r.err, /answered HTTP 500/);
  answer = { code: 200, body: '{"hello": "world"}' };
  r = await run(['--admin', base]);
  assert.equal(r.code, 2);
  assert.match(r.err, /did not answer a \/status document/);
});

test('bad usage exits 2 through main, and the command is listed', async () => {
  assert.equal(await loadCommand('status'), statusCommand);
  assert.equal((await run(['--bogus'], true)).code, 2);
  assert.equal((await run(['--admin', 'ftp://x'], true)).code, 2);
  assert.equal((await run(['--timeout', '-1'], true)).code, 2);
});
