import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSchemaRef, isValidRevision, isValidSchemaName } from '../../../../src/domain/schema/schema-name.js';
import { isElError } from '../../../../src/domain/errors.js';

test('schema names follow ^[./a-zA-Z0-9_-]{1,63}$', () => {
  for (const good of ['Edit', 'NavigationTiming', 'a.b/c-d_e', 'x'.repeat(63)]) assert.equal(isValidSchemaName(good), true, good);
  for (const bad of ['', 'x'.repeat(64), 'Edit ', 'Éd', 'a;b', 'a`b', 42, null]) assert.equal(isValidSchemaName(bad), false, String(bad));
});

test('revisions are integers >= 1', () => {
  for (const good of [1, 2, 123456789]) assert.equal(isValidRevision(good), true);
  for (const bad of [0, -1, 1.5, '1', NaN, Infinity, 2 ** 60]) assert.equal(isValidRevision(bad), false, String(bad));
});

test('assertSchemaRef throws a coded EL_SCHEMA_NOT_FOUND naming the problem', () => {
  assert.doesNotThrow(() => assertSchemaRef('Edit', 1));
  assert.throws(() => assertSchemaRef('bad name', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND' && /invalid schema name/.test(e.message));
  assert.throws(() => assertSchemaRef('Edit', 0), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND' && /invalid revision 0/.test(e.message));
});
