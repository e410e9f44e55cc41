import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { buildAdmin } from '../../../../src/adapters/http/admin.js';

const admin = () => buildAdmin({
  registry: new Registry(),
  status: () => ({ state: 'running', roles: [] }),
  totals: async () => ({ rowsInserted: 12, beaconsReceived: null }),
  healthy: () => true,
  ready: () => ({ ready: true, reasons: [] }),
});

test('GET / serves the console page, its script and style, under a policy that allows this origin only', async () => {
  const app = admin();
  const page = await app.inject({ method: 'GET', url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /<script src="\/console.js"/);
  const policy = String(page.headers['content-security-policy']);
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'self'(;|$)/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:/);
  // Nothing fetched from elsewhere: every src/href on the page is a path on this server.
  for (const m of page.body.matchAll(/(?:src|href)="([^"]+)"/g)) assert.match(m[1]!, /^\/[\w.-]+$/);
  const script = await app.inject({ method: 'GET', url: '/console.js' });
  assert.equal(script.statusCode, 200);
  assert.match(String(script.headers['content-type']), /^text\/javascript/);
  // Client text is set as text, never parsed as HTML.
  assert.doesNotMatch(script.body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  assert.equal((await app.inject({ method: 'GET', url: '/console.css' })).statusCode, 200);
  await app.close();
});

test('/status carries the counter totals the console turns into rates, uncached', async () => {
  const app = admin();
  const r = await app.inject({ method: 'GET', url: '/status' });
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.deepEqual(r.json(), { state: 'running', roles: [], totals: { rowsInserted: 12, beaconsReceived: null } });
  await app.close();
});
