import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ElError } from '../../../../src/domain/errors.js';
import { isTransientSchemaFailure } from '../../../../src/domain/schema/schema-failure.js';

test('a schema missing from the repository is missing for good; a repository that did not answer may answer later', () => {
  assert.equal(isTransientSchemaFailure(new ElError('EL_SCHEMA_NOT_FOUND', 'no schema X/1 in schemas')), false);
  assert.equal(isTransientSchemaFailure(new ElError('EL_SCHEMA_NOT_FOUND', 'not found (HTTP 404)', { details: { status: 404 } })), false);
  assert.equal(isTransientSchemaFailure(new ElError('EL_SCHEMA_INVALID', 'does not compile')), false);
  assert.equal(isTransientSchemaFailure(new ElError('EL_SCHEMA_NOT_FOUND', 'HTTP 503', { details: { status: 503 } })), true);
  assert.equal(isTransientSchemaFailure(new ElError('EL_SCHEMA_NOT_FOUND', 'HTTP 429', { details: { status: 429 } })), true);
  assert.equal(isTransientSchemaFailure(new ElError('EL_SCHEMA_NOT_FOUND', 'fetch failed', { cause: new Error('ECONNREFUSED') })), true);
  assert.equal(isTransientSchemaFailure(new ElError('EL_TIMEOUT', 'timed out')), true);
  assert.equal(isTransientSchemaFailure(new Error('something else')), true);
});
