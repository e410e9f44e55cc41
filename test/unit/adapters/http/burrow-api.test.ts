import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { buildAdmin } from '../../../../src/adapters/http/admin.js';
import { burrowApiRoutes } from '../../../../src/adapters/http/burrow-api.js';
import { createLagMonitor } from '../../../../src/supervision/lag-monitor.js';

const T0 = 1_700_000_000_000;

/** A monitor with group `ok-group` (one healthy partition) and `bad-group` (p0 stopped, p1 OK). */
async function setup() {
  let clock = T0;
  const heads = new Map<number, number>([[0, 100], [1, 50]]);
  const monitor = createLagMonitor({
    cluster: 'local', now: () => clock, registry: new Registry(), intervals: 3, minDistanceMs: 0,
    fetchHeads: async () => heads,
  });
  monitor.recordCommit('ok-group', { topic: 't', partition: 0, offset: 100, highWatermark: 100, at: T0 }, { owner: 'consumers/a', clientId: 'client-a' });
  monitor.recordCommit('bad-group', { topic: 't', partition: 0, offset: 10, highWatermark: 40, at: T0 }, { owner: 'consumers/b', clientId: 'client-b' });
  monitor.recordCommit('bad-group', { topic: 't', partition: 0, offset: 20, highWatermark: 60, at: T0 + 1000 }, { owner: 'consumers/b', clientId: 'client-b' });
  monitor.recordCommit('bad-group', { topic: 't', partition: 1, offset: 50, highWatermark: 50, at: T0 + 1000 });
  await monitor.pollHeads();
  clock = T0 + 10_000;
  const app = buildAdmin({
    registry: new Registry(), status: () => ({}), healthy: () => true, ready: () => ({ ready: true, reasons: [] }),
    routes: [burrowApiRoutes(monitor, { hostname: 'el-host' })],
  });
  return { app, monitor };
}

test('GET /v3/kafka lists the cluster in Burrow\'s envelope', async () => {
  const { app } = await setup();
  const res = await app.inject({ method: 'GET', url: '/v3/kafka' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { error: false, message: 'cluster list returned', clusters: ['local'], request: { url: '/v3/kafka', host: 'el-host' } });
});

test('GET /v3/kafka/:cluster/consumer lists groups; an unknown cluster is a 404 error envelope', async () => {
  const { app } = await setup();
  const res = await app.inject({ method: 'GET', url: '/v3/kafka/local/consumer' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    error: false, message: 'consumer list returned', consumers: ['bad-group', 'ok-group'],
    request: { url: '/v3/kafka/local/consumer', host: 'el-host' },
  });
  const missing = await app.inject({ method: 'GET', url: '/v3/kafka/nope/consumer' });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { error: true, message: 'cluster not found', request: { url: '/v3/kafka/nope/consumer', host: 'el-host' } });
});

test('/status lists only the partitions that are not OK, with Burrow\'s field names; /lag lists all', async () => {
  const { app } = await setup();
  const res = await app.inject({ method: 'GET', url: '/v3/kafka/local/consumer/bad-group/status' });
  assert.equal(res.statusCode, 200);
  const stopped = {
    topic: 't', partition: 0, owner: 'consumers/b', client_id: 'client-b', status: 'STOP',
    start: { offset: 10, timestamp: T0, lag: 30 },
    end: { offset: 20, timestamp: T0 + 1000, lag: 40 },
    current_lag: 80, complete: 2 / 3,
  };
  assert.deepEqual(res.json(), {
    error: false,
    message: 'consumer status returned',
    status: {
      cluster: 'local', group: 'bad-group', status: 'ERR', complete: 0,
      partitions: [stopped],
      partition_count: 2, maxlag: stopped, totallag: 80,
    },
    request: { url: '/v3/kafka/local/consumer/bad-group/status', host: 'el-host' },
  });
  const lag = await app.inject({ method: 'GET', url: '/v3/kafka/local/consumer/bad-group/lag' });
  assert.equal(lag.statusCode, 200);
  const body = lag.json();
  assert.deepEqual(body.status.partitions.map((p: { partition: number; status: string }) => [p.partition, p.status]), [[0, 'STOP'], [1, 'OK']]);
  assert.deepEqual(body.status.partitions[1], {
    topic: 't', partition: 1, owner: '', client_id: '', status: 'OK',
    start: { offset: 50, timestamp: T0 + 1000, lag: 0 }, end: { offset: 50, timestamp: T0 + 1000, lag: 0 },
    current_lag: 0, complete: 1 / 3,
  });
  const ok = (await app.inject({ method: 'GET', url: '/v3/kafka/local/consumer/ok-group/status' })).json();
  assert.equal(ok.status.status, 'OK');
  assert.deepEqual(ok.status.partitions, []);
  assert.equal(ok.status.maxlag.partition, 0, 'maxlag covers every partition, even on /status');
});

test('status of an unknown group or cluster is a 404 with a NOTFOUND status, as Burrow answers', async () => {
  const { app } = await setup();
  for (const url of ['/v3/kafka/local/consumer/ghost/status', '/v3/kafka/other/consumer/ok-group/lag']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    const body = res.json();
    assert.equal(body.error, false);
    assert.equal(body.message, 'consumer status returned');
    assert.equal(body.status.status, 'NOTFOUND');
    assert.equal(body.status.complete, 1);
    assert.deepEqual(body.status.partitions, []);
    assert.equal(body.status.maxlag, null);
    assert.deepEqual(body.request, { url, host: 'el-host' });
  }
});

test('DELETE forgets the group\'s windows until its next commit; unknown group or cluster is a 404', async () => {
  const { app, monitor } = await setup();
  const res = await app.inject({ method: 'DELETE', url: '/v3/kafka/local/consumer/bad-group' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { error: false, message: 'consumer group removed', request: { url: '/v3/kafka/local/consumer/bad-group', host: 'el-host' } });
  assert.equal((await app.inject({ method: 'GET', url: '/v3/kafka/local/consumer/bad-group/status' })).statusCode, 404);
  assert.deepEqual((await app.inject({ method: 'GET', url: '/v3/kafka/local/consumer' })).json().consumers, ['ok-group']);
  const again = await app.inject({ method: 'DELETE', url: '/v3/kafka/local/consumer/bad-group' });
  assert.equal(again.statusCode, 404);
  assert.equal(again.json().error, true);
  assert.equal((await app.inject({ method: 'DELETE', url: '/v3/kafka/x/consumer/ok-group' })).json().message, 'cluster not found');
  // A new commit recreates the group, with a fresh window.
  monitor.recordCommit('bad-group', { topic: 't', partition: 0, offset: 100, highWatermark: 100, at: T0 + 11_000 });
  const back = (await app.inject({ method: 'GET', url: '/v3/kafka/local/consumer/bad-group/lag' })).json();
  assert.equal(back.status.status, 'OK');
  assert.equal(back.status.partition_count, 1);
});
