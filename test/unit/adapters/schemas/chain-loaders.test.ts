import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainLoaders } from '../../../../src/adapters/schemas/chain-loaders.js';
import { ElError, isElError } from '../../../../src/domain/errors.js';
import type { SchemaLoader } from '../../../../src/domain/schema/schema-registry.js';
import { isTransientSchemaFailure } from '../../../../src/domain/schema/schema-failure.js';

const missing: SchemaLoader = async (name) => { throw new ElError('EL_SCHEMA_NOT_FOUND', `no ${name} here`); };
const found = (doc: unknown): SchemaLoader => async () => doc;

test('the first loader that has the schema wins; later ones are not asked', async () => {
  let asked = false;
  const load = chainLoaders(missing, found({ a: 1 }), async () => { asked = true; return { b: 2 }; });
  assert.deepEqual(await load('Edit', 1), { a: 1 });
  assert.equal(asked, false);
});

test('not found everywhere → EL_SCHEMA_NOT_FOUND listing each miss', async () => {
  await assert.rejects(chainLoaders(missing, missing)('Edit', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND' && e.message === 'no Edit here; no Edit here');
  await assert.rejects(chainLoaders()('Edit', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND');
});

test('other failures stop the chain instead of being masked', async () => {
  const broken: SchemaLoader = async () => { throw new ElError('EL_SCHEMA_INVALID', 'broken'); };
  await assert.rejects(chainLoaders(broken, found({}))('Edit', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_INVALID');
});

test('a source that did not answer stays visible in the combined miss, so "missing" and "not reachable now" differ', async () => {
  const down: SchemaLoader = async () => { throw new ElError('EL_SCHEMA_NOT_FOUND', 'fetch failed', { cause: new Error('ECONNREFUSED') }); };
  const failing: SchemaLoader = async () => { throw new ElError('EL_SCHEMA_NOT_FOUND', 'HTTP 503', { details: { status: 503 } }); };
  await assert.rejects(chainLoaders(missing, down)('Edit', 1), (e: unknown) => isElError(e) && isTransientSchemaFailure(e) && e.message === 'no Edit here; fetch failed');
  await assert.rejects(chainLoaders(missing, failing)('Edit', 1), (e: unknown) => isElError(e) && isTransientSchemaFailure(e) && e.details?.status === 503);
  await assert.rejects(chainLoaders(missing, missing)('Edit', 1), (e: unknown) => isElError(e) && !isTransientSchemaFailure(e));
});
