import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventCapsule } from '../../../src/domain/event/capsule.js';
import { admits, fillTopic, routeChecked, type Checked, type RouteDeps } from '../../../src/streams/route.js';

const capsule: EventCapsule = {
  event: { action: 'init' }, schema: 'Edit', revision: 3, wiki: 'enwiki', recvFrom: 'srv0.example.org', seqId: 132073,
  dt: '2013-01-19T23:16:38Z', uuid: '749684341abf513186c71f74c6a09502', userAgent: null,
};
const source = { topic: 'eventlogging-client-side', partition: 2, offset: 41 };
const errorContext = () => ({ recvFrom: 'processor-0', dt: '2024-01-01T00:00:00Z' });

const deps: RouteDeps = {
  outputs: [
    { index: 0, topic: 'eventlogging_{schema}' },
    { index: 1, topic: 'eventlogging-valid-mixed', deny: /^Edit$/ },
    { index: 2, topic: 'only-nav', allow: /^Navigation/ },
  ],
  invalid: { index: 3, topic: 'eventlogging_EventError' },
  errorContext,
};

test('fillTopic fills {schema} and {revision}, making schema names topic-safe', () => {
  assert.equal(fillTopic('eventlogging_{schema}', 'Edit', 1), 'eventlogging_Edit');
  assert.equal(fillTopic('el_{schema}_{revision}', 'a/b.c', 7), 'el_a_b.c_7');
  assert.equal(fillTopic('eventlogging-valid-mixed', 'Edit', 1), 'eventlogging-valid-mixed');
});

test('admits applies allow, then deny', () => {
  assert.equal(admits({ index: 0, topic: '' }, 'Edit'), true);
  assert.equal(admits({ index: 0, topic: '', allow: /^E/ }, 'Edit'), true);
  assert.equal(admits({ index: 0, topic: '', allow: /^E/ }, 'Nav'), false);
  assert.equal(admits({ index: 0, topic: '', allow: /^E/, deny: /dit$/ }, 'Edit'), false);
});

test('a valid capsule goes to every admitting output, serialised once, keyed by uuid', () => {
  const messages = routeChecked(deps, { kind: 'valid', capsule, source });
  assert.deepEqual(messages.map((m) => [m.output, m.topic, m.key]), [[0, 'eventlogging_Edit', capsule.uuid]]);
  assert.deepEqual(JSON.parse(messages[0]!.value), capsule);
  const nav = { ...capsule, schema: 'NavigationTiming' };
  const navMessages = routeChecked(deps, { kind: 'valid', capsule: nav });
  assert.deepEqual(navMessages.map((m) => [m.output, m.topic]), [[0, 'eventlogging_NavigationTiming'], [1, 'eventlogging-valid-mixed'], [2, 'only-nav']]);
  assert.ok(navMessages.every((m) => m.value === navMessages[0]!.value));
  assert.equal(routeChecked({ ...deps, keyByUuid: false }, { kind: 'valid', capsule })[0]!.key, undefined);
});

test('a failure becomes one EventError on the invalid output, with where it came from', () => {
  const failed: Checked = {
    kind: 'failed',
    source,
    error: { code: 'validation', rawEvent: 'RAW', message: 'event.action: bad', schema: 'Edit', revision: 3, wiki: 'enwiki', source, stage: 'validate', errorCode: 'EL_VALIDATION_FAILED' },
  };
  const [m, ...rest] = routeChecked(deps, failed);
  assert.equal(rest.length, 0);
  assert.equal(m!.output, 3);
  assert.equal(m!.topic, 'eventlogging_EventError');
  const error = JSON.parse(m!.value);
  assert.equal(m!.key, error.uuid);
  assert.deepEqual({ ...error, uuid: undefined }, {
    schema: 'EventError', revision: 1, wiki: 'enwiki', uuid: undefined, recvFrom: 'processor-0', dt: '2024-01-01T00:00:00Z',
    event: {
      rawEvent: 'RAW', message: 'event.action: bad', code: 'validation', schema: 'Edit', revision: 3, errorCode: 'EL_VALIDATION_FAILED',
      stage: 'validate', topic: 'eventlogging-client-side', partition: 2, offset: 41,
    },
  });
  // The EventError of a template output is on the EventError topic.
  const first = routeChecked({ ...deps, invalid: { index: 0, topic: 'eventlogging_{schema}' } }, failed);
  assert.equal(first[0]!.topic, 'eventlogging_EventError');
  // No invalid output: failures are not produced.
  const { invalid: _dropped, ...noInvalid } = deps;
  assert.deepEqual(routeChecked(noInvalid, failed), []);
});

test('a record that routes nowhere yields no message (its offset still completes in check)', () => {
  const items = [
    { kind: 'valid' as const, capsule, offset: 5 },
    { kind: 'failed' as const, error: { code: 'processor' as const, rawEvent: 'x', message: 'm' }, offset: 6 },
    { kind: 'valid' as const, capsule: { ...capsule, schema: 'Nope' }, offset: 7 },
  ];
  const deps = { outputs: [{ index: 0, topic: 't', allow: /^Edit$/ }], errorContext };
  assert.deepEqual(items.map((item) => [item.offset, routeChecked(deps, item).length]), [[5, 1], [6, 0], [7, 0]]);
});

test('routeChecked never throws: a capsule that cannot be serialised becomes an EL_INTERNAL EventError with its coordinates', () => {
  // Nothing a client sends gets past the input limits in this shape; a bug could (a BigInt here).
  const broken: Checked = { kind: 'valid', capsule: { ...capsule, event: { n: 10n } }, source };
  const messages = routeChecked(deps, broken);
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.topic, 'eventlogging_EventError');
  const error = JSON.parse(messages[0]!.value as string) as { event: Record<string, unknown> };
  assert.equal(error.event.errorCode, 'EL_INTERNAL');
  assert.equal(error.event.stage, 'route');
  assert.equal(error.event.schema, 'Edit');
  assert.equal(error.event.offset, 41);
});
