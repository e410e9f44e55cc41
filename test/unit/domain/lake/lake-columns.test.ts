import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capsuleColumns, eventTypeOf, quoteIdent, quoteLiteral } from '../../../../src/domain/lake/lake-columns.js';

test('an event schema becomes a struct: scalars typed, nested objects structs, lists of items, the rest JSON', () => {
  assert.deepEqual(eventTypeOf({
    type: 'object',
    properties: {
      userID: { type: 'integer' }, ratio: { type: 'number' }, ok: { type: 'boolean' }, name: { type: ['string', 'null'] },
      page: { type: 'object', properties: { ns: { type: 'integer' }, title: { type: 'string' } } },
      tags: { type: 'array', items: { type: 'string' } }, anything: {}, free: { type: 'object' }, either: { type: ['string', 'integer'] },
    },
  }), {
    userID: 'BIGINT', ratio: 'DOUBLE', ok: 'BOOLEAN', name: 'VARCHAR', page: { ns: 'BIGINT', title: 'VARCHAR' },
    tags: ['VARCHAR'], anything: 'JSON', free: 'JSON', either: 'JSON',
  });
  // Too deep to type: kept as JSON rather than recursing without end.
  let deep: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < 50; i += 1) deep = { type: 'object', properties: { x: deep } };
  assert.match(JSON.stringify(eventTypeOf(deep)), /"JSON"/);
  assert.equal(eventTypeOf({ type: 'object' }), 'JSON');
});

test('capsule columns never hold the client address; names and texts are quoted for DuckDB', () => {
  assert.deepEqual(capsuleColumns('JSON').map((c) => c.name), ['uuid', 'dt', 'schema', 'revision', 'wiki', 'webHost', 'recvFrom', 'seqId', 'topic', 'userAgent', 'event']);
  assert.equal(quoteIdent('a"b'), '"a""b"');
  assert.equal(quoteLiteral("it's"), "'it''s'");
});
