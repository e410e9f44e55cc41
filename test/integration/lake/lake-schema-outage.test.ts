import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { BROKERS, committedTotal, freshTopic, produceLines, uniqueName } from '../../helpers/kafka.js';
import { buildCli } from '../../helpers/daemon.js';
import { until } from '../../helpers/wait.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/eventlogging');

before(() => buildCli());

test('a schema repository that does not answer pauses the lake instead of dropping records; they are written once it answers', { timeout: 180_000 }, async () => {
  let requests = 0;
  let answering = false;
  const server = createServer((req, res) => {
    requests += 1;
    if (!answering) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'object', properties: { userID: { type: 'integer' } } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const topic = await freshTopic('el-lake-outage', 1);
  const group = uniqueName('el-lake-outage');
  const lake = mkdtempSync(join(tmpdir(), 'el-lake-outage-'));
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({
    schema: 'Outage', revision: 1, wiki: 'enwiki', recvFrom: 'cp1', seqId: i, dt: '2017-11-20T19:00:00Z', uuid: (i + 1).toString(16).padStart(32, '0'), userAgent: null, event: { userID: i },
  }));
  await produceLines(topic, lines, 0);
  const child = spawn(process.execPath, [bin, 'lake', '--schema-uri-base', base, '--batch-seconds', '1',
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${group}`, `file://${lake}`], { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } });
  try {
    await until(() => requests > 0, 30_000, 'the repository asked');
    // Refused for now: nothing is committed while it cannot answer.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await committedTotal(group, topic), 0);
    answering = true;
    // The registry remembers a failure for a minute before it asks again.
    await until(async () => (await committedTotal(group, topic)) === 50, 120_000, 'all 50 committed once the repository answers');
  } finally {
    child.kill('SIGTERM');
    server.close();
  }
  const r = spawnSync(process.execPath, [bin, 'query', '--lake', lake, '--json', 'SELECT count(*) AS n, sum(event.userID) AS s FROM event.outage'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { n: '50', s: String((49 * 50) / 2) });
});
