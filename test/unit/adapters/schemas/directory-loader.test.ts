import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryLoader } from '../../../../src/adapters/schemas/directory-loader.js';
import { isElError } from '../../../../src/domain/errors.js';
import { createSchemaRegistry } from '../../../../src/domain/schema/schema-registry.js';

const REPO = new URL('../../../../schemas/', import.meta.url).pathname;

test('loads the demo repository: JSON (draft-03) and YAML (draft-07)', async () => {
  const load = directoryLoader(REPO);
  const edit = await load('Edit', 1) as { properties: Record<string, unknown> };
  assert.deepEqual(Object.keys(edit.properties), ['action', 'editor', 'version', 'action.init.timing', 'page']);
  const nav = await load('NavigationTiming', 1) as { required: string[]; properties: Record<string, unknown> };
  assert.deepEqual(nav.required, ['pageId']);
  assert.deepEqual(Object.keys(nav.properties), ['pageId', 'responseStart', 'isAnon', 'originCountry']);
  assert.deepEqual(await load('Test', 1), { $schema: 'http://json-schema.org/draft-07/schema#', description: 'A tiny schema for tests and the demo.', type: 'object', properties: { value: { type: 'string' } } });
});

test('the demo schemas validate as intended through the registry', async () => {
  const registry = createSchemaRegistry({ load: directoryLoader(REPO), now: () => 0 });
  const base = { wiki: 'enwiki', recvFrom: 'srv0', seqId: 1, dt: '2013-01-19T23:16:38Z', uuid: '749684341abf513186c71f74c6a09502' };
  const edit = { ...base, schema: 'Edit', revision: 1 };
  assert.deepEqual(await registry.validateCapsule({ ...edit, event: { action: 'saveSuccess', version: 1, 'action.init.timing': 5, page: { id: 1, title: 'T' } } }), { ok: true });
  assert.equal((await registry.validateCapsule({ ...edit, event: { action: 'open', version: 1 } })).ok, false);
  assert.equal((await registry.validateCapsule({ ...edit, event: { action: 'init' } })).ok, false);
  const nav = { ...base, schema: 'NavigationTiming', revision: 1 };
  assert.deepEqual(await registry.validateCapsule({ ...nav, event: { pageId: 1, isAnon: true, originCountry: 'NL' } }), { ok: true });
  assert.equal((await registry.validateCapsule({ ...nav, event: { responseStart: 1 } })).ok, false);
  assert.deepEqual(await registry.validateCapsule({ ...base, schema: 'Test', revision: 1, event: { value: 'x' } }), { ok: true });
  assert.equal((await registry.validateCapsule({ ...base, schema: 'Test', revision: 2, event: { value: 'x' } })).ok, false);
});

test('missing → EL_SCHEMA_NOT_FOUND; unparsable → EL_SCHEMA_INVALID; .yml and nested names work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-schemas-'));
  try {
    mkdirSync(join(dir, 'Broken'));
    writeFileSync(join(dir, 'Broken', '1.json'), '{ not json');
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', '2.yml'), 'type: object\nproperties:\n  d: {type: string}\n');
    const load = directoryLoader(dir);
    await assert.rejects(load('Nope', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND');
    await assert.rejects(load('Broken', 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_INVALID');
    // YAML core schema: a date-like scalar stays a string, as in JSON.
    assert.deepEqual(await load('a/b', 2), { type: 'object', properties: { d: { type: 'string' } } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('names with . or .. segments cannot leave the repository', async () => {
  const load = directoryLoader(join(REPO, 'Edit'));
  for (const name of ['../Edit', './1', 'a//b', '..']) {
    await assert.rejects(load(name, 1), (e: unknown) => isElError(e) && e.code === 'EL_SCHEMA_NOT_FOUND', name);
  }
});
