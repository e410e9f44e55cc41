import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServerSideEvents } from '../../../../src/roles/intake/server-side-events.js';
import { registryFromConfig } from '../../../../src/adapters/schemas/registry-from-config.js';
import { capsuleUuid } from '../../../../src/domain/event/uuid.js';
import type { UserAgentParser } from '../../../../src/domain/event/user-agent.js';
import type { ServerSideMeta } from '../../../../src/adapters/http/intake-app.js';

const SCHEMAS = join(import.meta.dirname, '..', '..', '..', '..', 'schemas');
const registry = registryFromConfig({ schemasPath: SCHEMAS });
const ua: UserAgentParser = (text) => text.length > 100
  ? { ok: false, code: 'EL_USER_AGENT_TOO_LONG', message: 'too long' }
  : { ok: true, value: { browser_family: text, browser_major: null, browser_minor: null, os_family: 'Other', os_major: null, os_minor: null, device_family: 'Other', wmf_app_version: '-', is_bot: false, is_mediawiki: false } };
const meta: ServerSideMeta = { recvFrom: 'intake1', seqId: 7, dt: '2024-05-01T10:20:30Z', userAgent: 'server/1.0', ip: '10.0.0.9' };

function setup() {
  const sent: Array<ReadonlyArray<{ topic: string; values: readonly string[] }>> = [];
  const events = createServerSideEvents({
    validateCapsule: (c) => registry.validateCapsule(c),
    parseUserAgent: ua,
    sendTopics: async (batches) => void sent.push(batches),
    topics: { events: 'p_eventlogging_{schema}', mixed: 'p_mixed', errors: 'p_errors' },
  });
  return { events, sent };
}

test('a valid event becomes a capsule with the intake identity; client identity fields are ignored', async () => {
  const { events } = setup();
  const r = await events.accept({ schema: 'Test', revision: 1, wiki: 'enwiki', webHost: 'en.wikipedia.org', event: { value: 'x' }, seqId: 999, recvFrom: 'forged', uuid: 'f'.repeat(32), dt: '2000-01-01T00:00:00Z' }, meta);
  assert.equal(r.kind, 'valid', JSON.stringify(r));
  if (r.kind !== 'valid') return;
  assert.deepEqual(r.capsule, {
    event: { value: 'x' }, schema: 'Test', revision: 1, wiki: 'enwiki', webHost: 'en.wikipedia.org',
    recvFrom: 'intake1', seqId: 7, dt: '2024-05-01T10:20:30Z',
    uuid: capsuleUuid({ recvFrom: 'intake1', seqId: 7, dt: '2024-05-01T10:20:30Z' }),
    userAgent: ua('server/1.0').ok ? (ua('server/1.0') as { value: unknown }).value : null,
  });
});

test('an event failing its schema becomes an EventError naming schema, revision and the failure', async () => {
  const { events } = setup();
  const r = await events.accept({ schema: 'Test', revision: 1, wiki: 'enwiki', event: { value: 5 } }, meta);
  assert.equal(r.kind, 'invalid');
  if (r.kind !== 'invalid') return;
  assert.match(r.message, /event\.value/);
  const e = r.error as { schema: string; recvFrom: string; dt: string; event: Record<string, unknown> };
  assert.equal(e.schema, 'EventError');
  assert.equal(e.recvFrom, 'intake1');
  assert.equal(e.dt, meta.dt);
  assert.equal(e.event.code, 'validation');
  assert.equal(e.event.schema, 'Test');
  assert.equal(e.event.revision, 1);
  assert.equal(e.event.errorCode, 'EL_VALIDATION_FAILED');
  assert.deepEqual(JSON.parse(e.event.rawEvent as string), { schema: 'Test', revision: 1, wiki: 'enwiki', event: { value: 5 } });
});

test('unknown schemas, non-objects, missing fields and over-long user agents are rejected as data', async () => {
  const { events } = setup();
  const cases: Array<[unknown, RegExp, Partial<ServerSideMeta>?]> = [
    [{ schema: 'NoSuchSchema', revision: 1, wiki: 'w', event: {} }, /NoSuchSchema/],
    ['just a string', /JSON object/],
    [{ schema: 'Test', revision: 1, wiki: 'w' }, /event/],
    [{ schema: 'Test', revision: 0, wiki: 'w', event: {} }, /revision/],
    [{ schema: 'Test', revision: 1, wiki: 'w', event: {} }, /too long/, { userAgent: 'x'.repeat(200) }],
  ];
  for (const [input, message, m] of cases) {
    const r = await events.accept(input, { ...meta, ...m });
    assert.equal(r.kind, 'invalid', JSON.stringify(input));
    if (r.kind === 'invalid') assert.match(r.message, message);
  }
});

test('produce sends capsules to their schema topic and the mixed topic, errors to the error topic, in one request', async () => {
  const { events, sent } = setup();
  await events.produce(
    [{ schema: 'Test', n: 1 }, { schema: 'Edit', n: 2 }, { schema: 'Test', n: 3 }],
    [{ schema: 'EventError', n: 4 }],
  );
  assert.equal(sent.length, 1);
  const byTopic = Object.fromEntries(sent[0]!.map((b) => [b.topic, b.values.map((v) => JSON.parse(v).n)]));
  assert.deepEqual(byTopic, { p_eventlogging_Test: [1, 3], p_eventlogging_Edit: [2], p_mixed: [1, 2, 3], p_errors: [4] });
});

test('an empty user agent in the event: the request\'s stands; without one, it is parsed (all "Other" in production)', async () => {
  const { events } = setup();
  const withHeader = await events.accept({ schema: 'Test', revision: 1, wiki: 'w', event: {}, userAgent: '' }, meta);
  assert.equal(withHeader.kind === 'valid' && (withHeader.capsule.userAgent as { browser_family: string }).browser_family, 'server/1.0');
  const without = await events.accept({ schema: 'Test', revision: 1, wiki: 'w', event: {}, userAgent: '' }, { ...meta, userAgent: undefined });
  assert.equal(without.kind === 'valid' && (without.capsule.userAgent as { browser_family: string }).browser_family, '');
});

test('an event without any user agent is valid, with userAgent null', async () => {
  const { events } = setup();
  const r = await events.accept({ schema: 'Test', revision: 1, wiki: 'w', event: {} }, { ...meta, userAgent: undefined });
  assert.equal(r.kind, 'valid', JSON.stringify(r));
  if (r.kind === 'valid') assert.equal(r.capsule.userAgent, null);
});
