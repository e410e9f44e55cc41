import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { validate, type ValidateOutcome } from '../../../src/streams/validate.js';
import { createSchemaRegistry, type SchemaLoader } from '../../../src/domain/schema-registry.js';
import { ElError } from '../../../src/domain/errors.js';

const SCHEMAS: Record<string, unknown> = {
  A: { properties: { n: { type: 'integer', required: true } } },
  B: { properties: { s: { type: 'string', required: true } } },
};

function capsule(schema: string, event: unknown, seqId: number): Record<string, unknown> {
  return { schema, revision: 1, event, wiki: 'w', recvFrom: 'r', seqId, dt: '2013-01-19T23:16:38Z', uuid: '0'.repeat(32) };
}

function controlledLoader(): { load: SchemaLoader; release: (name: string) => void; calls: string[] } {
  const waiting = new Map<string, () => void>();
  const calls: string[] = [];
  return {
    calls,
    load: (name) => {
      calls.push(name);
      return new Promise((resolve, reject) => {
        waiting.set(name, () => (name in SCHEMAS ? resolve(SCHEMAS[name]) : reject(new ElError('EL_SCHEMA_NOT_FOUND', `no ${name}`))));
      });
    },
    release: (name) => waiting.get(name)?.(),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('emits valid/invalid outcomes as data, in input order, across cache misses', async () => {
  const { load, release, calls } = controlledLoader();
  const registry = createSchemaRegistry({ load, now: () => 0 });
  const input = new Subject<Record<string, unknown>>();
  const seen: ValidateOutcome<Record<string, unknown>>[] = [];
  let completed = false;
  input.pipe(validate({ registry })).subscribe({ next: (o) => seen.push(o), complete: () => { completed = true; } });

  input.next(capsule('A', { n: 1 }, 1)); // miss: waits for A
  input.next(capsule('B', { s: 'x' }, 2)); // queued behind it
  input.next(capsule('A', { n: 'x' }, 3));
  input.next(capsule('Zed', {}, 4));
  input.complete();
  await tick();
  assert.equal(seen.length, 0, 'nothing overtakes the capsule waiting for its schema');
  release('A');
  await tick();
  assert.equal(seen.length, 1);
  release('B');
  await tick();
  release('Zed');
  await tick();
  assert.deepEqual(seen.map((o) => [o.capsule.seqId, o.kind, o.kind === 'invalid' ? o.code : '']), [
    [1, 'valid', ''], [2, 'valid', ''], [3, 'invalid', 'EL_VALIDATION_FAILED'], [4, 'invalid', 'EL_SCHEMA_NOT_FOUND'],
  ]);
  assert.ok(seen[2]?.kind === 'invalid' && /event\.n: must be integer/.test(seen[2].message));
  assert.deepEqual(calls, ['A', 'B', 'Zed']);
  assert.equal(completed, true);
});

test('a cached schema is validated synchronously (no await on the hot path)', async () => {
  const registry = createSchemaRegistry({ load: async (name) => SCHEMAS[name], now: () => 0 });
  await registry.get('A', 1);
  const seen: string[] = [];
  from([capsule('A', { n: 1 }, 1), capsule('A', {}, 2)]).pipe(validate({ registry })).subscribe((o) => seen.push(o.kind));
  assert.deepEqual(seen, ['valid', 'invalid']); // already emitted before any microtask ran
});

test('a malformed capsule becomes invalid data, never a stream error', async () => {
  const registry = createSchemaRegistry({ load: async (name) => SCHEMAS[name], now: () => 0 });
  const out = await lastValueFrom(from([{ nothing: true }, capsule('A', { n: 2 }, 2)]).pipe(validate({ registry }), toArray()));
  assert.deepEqual(out.map((o) => o.kind), ['invalid', 'valid']);
  assert.ok(out[0]?.kind === 'invalid' && out[0].code === 'EL_SCHEMA_NOT_FOUND');
});

test('source errors pass through; unsubscribing drops pending results', async () => {
  const registry = createSchemaRegistry({ load: async (name) => SCHEMAS[name], now: () => 0 });
  const failing = new Subject<Record<string, unknown>>();
  const result = firstValueFrom(failing.pipe(validate({ registry })));
  failing.error(new Error('source broke'));
  await assert.rejects(result, /source broke/);

  const { load, release } = controlledLoader();
  const slow = createSchemaRegistry({ load, now: () => 0 });
  const input = new Subject<Record<string, unknown>>();
  const seen: unknown[] = [];
  const subscription = input.pipe(validate({ registry: slow })).subscribe((o) => seen.push(o));
  input.next(capsule('A', { n: 1 }, 1));
  subscription.unsubscribe();
  release('A');
  await tick();
  assert.deepEqual(seen, []);
});
