import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSchemaRegistry, type SchemaLoader } from '../../../../src/domain/schema/schema-registry.js';
import { ElError, isElError } from '../../../../src/domain/errors.js';

const EDIT = {
  properties: {
    action: { type: 'string', required: true, enum: ['init', 'ready'] },
    version: { type: 'integer', required: true },
    'action.init.timing': { type: 'integer' },
  },
};

function capsule(event: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { event, schema: 'Edit', revision: 1, wiki: 'enwiki', recvFrom: 'srv0', seqId: 1, dt: '2013-01-19T23:16:38Z', uuid: '749684341abf513186c71f74c6a09502', ...overrides };
}

function countingLoader(schemas: Record<string, unknown>): { load: SchemaLoader; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    load: async (name, revision) => {
      calls.push(`${name}/${revision}`);
      if (!(name in schemas)) throw new ElError('EL_SCHEMA_NOT_FOUND', `no ${name}`);
      return schemas[name];
    },
  };
}

test('valid and invalid capsules; messages name the path', async () => {
  const { load } = countingLoader({ Edit: EDIT });
  const registry = createSchemaRegistry({ load, now: () => 0 });
  assert.deepEqual(await registry.validateCapsule(capsule({ action: 'init', version: 1 })), { ok: true });
  const bad = await registry.validateCapsule(capsule({ action: 'init', version: 1.5 }));
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.code === 'EL_VALIDATION_FAILED');
  assert.match(bad.message, /event\.version: must be integer/);
  const missing = await registry.validateCapsule(capsule({ version: 1 }));
  assert.ok(!missing.ok && /event: must have required property 'action'/.test(missing.message));
  const extra = await registry.validateCapsule(capsule({ action: 'init', version: 1, typo: 1 }));
  assert.ok(!extra.ok && /additional properties 'typo'/.test(extra.message));
  const dotted = await registry.validateCapsule(capsule({ action: 'init', version: 1, 'action.init.timing': 'x' }));
  assert.ok(!dotted.ok && /event\["action\.init\.timing"\]: must be integer/.test(dotted.message));
});

test('capsule fields are validated too, and no other top-level fields are allowed', async () => {
  const registry = createSchemaRegistry({ load: countingLoader({ Edit: EDIT }).load, now: () => 0 });
  const event = { action: 'init', version: 1 };
  const noUuid = await registry.validateCapsule({ ...capsule(event), uuid: undefined });
  assert.ok(!noUuid.ok && /must have required property 'uuid'/.test(noUuid.message));
  const extra = await registry.validateCapsule(capsule(event, { clientIp: '1.2.3.4' }));
  assert.ok(!extra.ok && /clientIp/.test(extra.message));
  assert.deepEqual(await registry.validateCapsule(capsule(event, { webHost: 'en.wikipedia.org', userAgent: { browser_family: 'Firefox' }, topic: 't', ip: '1.2.3.4' })), { ok: true });
  const badDt = await registry.validateCapsule(capsule(event, { dt: 'yesterday' }));
  assert.ok(!badDt.ok && /dt: must match format "date-time"/.test(badDt.message));
});

test('compiled once and cached forever; peek is synchronous after the first get', async () => {
  const { load, calls } = countingLoader({ Edit: EDIT });
  const registry = createSchemaRegistry({ load, now: () => 0 });
  assert.equal(registry.peek('Edit', 1), undefined);
  const first = await registry.get('Edit', 1);
  const again = await registry.get('Edit', 1);
  assert.equal(first, again);
  assert.equal(registry.peek('Edit', 1), first);
  for (let i = 0; i < 5; i++) await registry.validateCapsule(capsule({ action: 'init', version: 1 }));
  assert.deepEqual(calls, ['Edit/1']);
  assert.deepEqual(first.validate(capsule({ action: 'ready', version: 2 })), { ok: true });
});

test('concurrent lookups of one key share one load', async () => {
  let release!: (value: unknown) => void;
  let calls = 0;
  const registry = createSchemaRegistry({
    load: () => { calls += 1; return new Promise((resolve) => { release = resolve; }); },
    now: () => 0,
  });
  const lookups = [registry.get('Edit', 1), registry.get('Edit', 1), registry.validateCapsule(capsule({ action: 'init', version: 1 }))];
  await new Promise((r) => setImmediate(r));
  release(EDIT);
  const [a, b, result] = await Promise.all(lookups);
  assert.equal(calls, 1);
  assert.equal(a, b);
  assert.deepEqual(result, { ok: true });
});

test('failures are cached for failureTtlMs, then retried', async () => {
  let clock = 1000;
  const schemas: Record<string, unknown> = {};
  const { load, calls } = countingLoader(schemas);
  const registry = createSchemaRegistry({ load, now: () => clock, failureTtlMs: 500 });
  await assert.rejects(registry.get('Edit', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND');
  const r = await registry.validateCapsule(capsule({ action: 'init', version: 1 }));
  assert.deepEqual(r.ok ? null : r.code, 'EL_SCHEMA_NOT_FOUND');
  assert.equal(calls.length, 1);
  schemas.Edit = EDIT;
  clock += 499;
  await assert.rejects(registry.get('Edit', 1));
  assert.equal(calls.length, 1);
  clock += 1;
  await registry.get('Edit', 1);
  assert.equal(calls.length, 2);
});

test('a repository that did not answer is asked again after transientFailureTtlMs; a missing schema only after failureTtlMs', async () => {
  let clock = 0;
  let answering = false;
  const calls: string[] = [];
  const registry = createSchemaRegistry({
    now: () => clock, failureTtlMs: 60_000, transientFailureTtlMs: 5_000,
    load: async (name, revision) => {
      calls.push(`${name}/${revision}`);
      if (name === 'Missing') throw new ElError('EL_SCHEMA_NOT_FOUND', 'no such schema');
      if (!answering) throw new ElError('EL_SCHEMA_NOT_FOUND', 'repository did not answer', { cause: new Error('ECONNREFUSED') });
      return EDIT;
    },
  });
  await assert.rejects(registry.get('Edit', 1));
  await assert.rejects(registry.get('Missing', 1));
  answering = true;
  clock = 4_999;
  await assert.rejects(registry.get('Edit', 1));
  assert.deepEqual(calls, ['Edit/1', 'Missing/1'], 'both failures remembered at first');
  clock = 5_000;
  await registry.get('Edit', 1);
  await assert.rejects(registry.get('Missing', 1));
  assert.deepEqual(calls, ['Edit/1', 'Missing/1', 'Edit/1'], 'the repository is asked again after 5 s; the missing schema is not');
  clock = 60_000;
  await assert.rejects(registry.get('Missing', 1));
  assert.deepEqual(calls, ['Edit/1', 'Missing/1', 'Edit/1', 'Missing/1']);
});

test('a loader that throws synchronously or rejects with a plain error becomes EL_SCHEMA_NOT_FOUND', async () => {
  const registry = createSchemaRegistry({ load: () => { throw new Error('boom'); }, now: () => 0 });
  await assert.rejects(registry.get('Edit', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND' && /boom/.test(e.message));
});

test('a document that is not a schema, or does not compile, is EL_SCHEMA_INVALID', async () => {
  const registry = createSchemaRegistry({ load: countingLoader({ Str: 'hello', Bad: { properties: { a: { $ref: '#/definitions/missing' } } } }).load, now: () => 0 });
  await assert.rejects(registry.get('Str', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_INVALID');
  const r = await registry.validateCapsule(capsule({}, { schema: 'Bad' }));
  assert.ok(!r.ok && r.code === 'EL_SCHEMA_INVALID', JSON.stringify(r));
});

test('malformed references never reach the loader', async () => {
  const { load, calls } = countingLoader({ Edit: EDIT });
  const registry = createSchemaRegistry({ load, now: () => 0 });
  for (const [schema, revision] of [['../etc', 0], ['a b', 1], ['Edit', 1.5], [undefined, 1], ['Edit', '1']]) {
    const r = await registry.validateCapsule(capsule({}, { schema, revision }));
    assert.ok(!r.ok && r.code === 'EL_SCHEMA_NOT_FOUND', JSON.stringify([schema, revision]));
  }
  assert.deepEqual(await registry.validateCapsule(null), { ok: false, code: 'EL_SCHEMA_NOT_FOUND', message: "invalid schema name undefined: must match ^[./a-zA-Z0-9_-]{1,63}$" });
  assert.deepEqual(calls, []);
});

test('knownSchemas lists successfully compiled names only, sorted', async () => {
  const registry = createSchemaRegistry({ load: countingLoader({ Edit: EDIT, Alpha: { properties: {} } }).load, now: () => 0 });
  await registry.get('Edit', 1);
  await registry.get('Edit', 2);
  await registry.get('Alpha', 3);
  await registry.get('Missing', 1).catch(() => undefined);
  assert.deepEqual(registry.knownSchemas(), ['Alpha', 'Edit']);
});

test('remembered failures are bounded', async () => {
  const { load, calls } = countingLoader({});
  const registry = createSchemaRegistry({ load, now: () => 0, maxFailures: 3 });
  for (const name of ['A', 'B', 'C', 'D']) await registry.get(name, 1).catch(() => undefined);
  await registry.get('D', 1).catch(() => undefined); // still remembered
  await registry.get('A', 1).catch(() => undefined); // evicted, so loaded again
  assert.deepEqual(calls, ['A/1', 'B/1', 'C/1', 'D/1', 'A/1']);
});

test('event schemas with $ref into their own definitions work when embedded in the capsule', async () => {
  const registry = createSchemaRegistry({
    load: countingLoader({ Edit: { $schema: 'http://json-schema.org/draft-07/schema#', definitions: { n: { type: 'integer' } }, properties: { a: { $ref: '#/definitions/n' } } } }).load,
    now: () => 0,
  });
  assert.deepEqual(await registry.validateCapsule(capsule({ a: 1 })), { ok: true });
  const bad = await registry.validateCapsule(capsule({ a: 'x' }));
  assert.ok(!bad.ok && /event\.a: must be integer/.test(bad.message));
});

test('divisibleBy holds for large integers (ajv read 1e21 / 1 through parseInt as 1) and decimal divisors', async () => {
  const registry = createSchemaRegistry({ load: countingLoader({ Count: { properties: { n: { type: 'number', divisibleBy: 1 }, h: { type: 'number', divisibleBy: 0.5 }, d: { type: 'number', divisibleBy: 0.1 } } } }).load, now: () => 0 });
  const check = (event: unknown) => registry.validateCapsule(capsule(event, { schema: 'Count' }));
  assert.deepEqual(await check({ n: 1e21 }), { ok: true });
  assert.deepEqual(await check({ n: 12, h: 2.5 }), { ok: true });
  assert.deepEqual(await check({ d: 0.3 }), { ok: true }, '0.3 / 0.1 is 2.9999999999999996 in floating point');
  assert.equal((await check({ n: 1.5 })).ok, false);
  assert.equal((await check({ h: 2.25 })).ok, false);
  assert.equal((await check({ n: -2.0000000000000004 })).ok, false, 'not a multiple, however close');
});

test('an optional property named like an Object.prototype member is looked up on the event only', async () => {
  const registry = createSchemaRegistry({ load: countingLoader({ Edit: { properties: { constructor: { type: 'string' }, toString: { type: 'integer' } } } }).load, now: () => 0 });
  const compiled = await registry.get('Edit', 1);
  assert.deepEqual(compiled.validate(capsule({})), { ok: true }, 'an empty event lacks them: it does not inherit them');
  assert.equal(compiled.validate(capsule({ constructor: 5 })).ok, false);
});

test('a number JSON cannot hold (1e999 parses as Infinity) is no integer and no number', async () => {
  const registry = createSchemaRegistry({ load: countingLoader({ Edit: { properties: { n: { type: 'integer' }, x: { type: 'number' } } } }).load, now: () => 0 });
  const compiled = await registry.get('Edit', 1);
  assert.equal(compiled.validate(capsule(JSON.parse('{"n":1e999}'))).ok, false);
  assert.equal(compiled.validate(capsule({ x: Number.NaN })).ok, false);
  assert.deepEqual(compiled.validate(capsule({ n: 3, x: 1.5 })), { ok: true });
});

test('an event with 37,657 unknown properties gets a short message naming ten and counting the rest', async () => {
  const registry = createSchemaRegistry({ load: countingLoader({ Edit: { properties: { a: { type: 'string' } }, additionalProperties: false } }).load, now: () => 0 });
  const compiled = await registry.get('Edit', 1);
  const wide = Object.fromEntries(Array.from({ length: 37_657 }, (_, i) => [`k${i}`, i]));
  const result = compiled.validate(capsule(wide));
  assert.equal(result.ok, false);
  const message = (result as { message: string }).message;
  assert.match(message, /; and 37647 more$/);
  assert.ok(message.length < 2000, `message of ${message.length} characters`);
});

test('schema patterns run in linear time: ^(a+)+$ on a hostile string answers; lookaround makes the schema invalid', async () => {
  const registry = createSchemaRegistry({
    load: countingLoader({ Edit: { properties: { a: { type: 'string', pattern: '^(a+)+$' } }, patternProperties: { '^x(y+)+$': { type: 'integer' } } }, Look: { properties: { a: { type: 'string', pattern: '(?=a)a' } } } }).load,
    now: () => 0,
  });
  const compiled = await registry.get('Edit', 1);
  // 28 characters took 1.7 s on the backtracking engine, 100,000 would not finish.
  assert.equal(compiled.validate(capsule({ a: `${'a'.repeat(100_000)}b` })).ok, false);
  assert.deepEqual(compiled.validate(capsule({ a: 'aaa' })), { ok: true });
  assert.equal(compiled.validate(capsule({ [`x${'y'.repeat(50_000)}`]: 'not an integer' })).ok, false, 'patternProperties too');
  await assert.rejects(registry.get('Look', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_INVALID' && /linear time/.test(e.message));
});
