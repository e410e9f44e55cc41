/**
 * Properties of the table mapping: total on any schema and any event the schema accepts, and every
 * identifier it emits is one MySQL/MariaDB accepts, quoted so that no name can inject SQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizeEventSchema } from '../../src/domain/schema/schema-normalize.js';
import { createEventSchemaAjv } from '../../src/domain/schema/schema-registry.js';
import { columnsFor, tableFor } from '../../src/domain/table/table-mapping.js';
import { rowFor } from '../../src/domain/table/table-row.js';
import { createTableDdl, insertColumns, insertIgnoreSql } from '../../src/domain/table/table-ddl.js';
import { identifierCollisionKey, quoteIdentifier } from '../../src/domain/table/mysql-identifier.js';
import { draft03EventSchema, valueFor } from './json-schema.arbitrary.js';

/** Property names meant to break naive mappings: dots, quotes, SQL, NUL, trailing spaces, case, length. */
const nastyKeys = fc.oneof(
  fc.constantFrom('a', 'A', 'a_b', 'a.b', 'b', 'é', 'e', 'x`y', "it's", 'a"b', 'x; DROP TABLE t; --', 'nul\u0000l', 'trailing ', ' ', '', '😀', 'ß', 's', 'p'.repeat(70), `${'p'.repeat(70)}q`),
  fc.string({ unit: 'binary', maxLength: 80 }),
);

/** Reads a backtick-quoted identifier back; undefined when the quoting is broken. */
function unquote(quoted: string): string | undefined {
  if (!quoted.startsWith('`') || !quoted.endsWith('`') || quoted.length < 2) return undefined;
  const inner = quoted.slice(1, -1);
  if (/(^|[^`])`(`{2})*($|[^`])/.test(inner.replace(/``/g, ''))) return undefined;
  return inner.replace(/``/g, '`');
}

function assertValidIdentifiers(names: readonly string[]): void {
  const keys = new Set<string>();
  for (const name of names) {
    const chars = [...name];
    assert.ok(chars.length >= 1 && chars.length <= 64, `length of ${JSON.stringify(name)}`);
    assert.ok(!name.includes('\u0000'), `NUL in ${JSON.stringify(name)}`);
    assert.ok(!name.endsWith(' '), `trailing space in ${JSON.stringify(name)}`);
    assert.ok(chars.every((c) => c.codePointAt(0)! <= 0xffff), `astral character in ${JSON.stringify(name)}`);
    const quoted = quoteIdentifier(name);
    assert.equal(unquote(quoted), name);
    assert.equal(quoted.slice(1, -1).replace(/``/g, '').includes('`'), false, 'every backtick doubled');
    const key = identifierCollisionKey(name);
    assert.ok(!keys.has(key), `duplicate column ${JSON.stringify(name)}`);
    keys.add(key);
  }
}

/** The oracle: the value at `path`, through own properties of plain objects only (never an array's or a prototype's). */
function at(event: unknown, path: readonly string[]): unknown {
  const isRecord = (v: unknown): v is Record<string, unknown> => Object.prototype.toString.call(v) === '[object Object]';
  return path.reduce<unknown>((v, key) => (isRecord(v) && Object.hasOwn(v, key) ? v[key] : undefined), event);
}

test('every identifier is a valid, unique, safely quoted MySQL identifier', () => {
  fc.assert(
    fc.property(draft03EventSchema(nastyKeys), fc.string({ maxLength: 63 }), fc.integer({ min: 1, max: 2 ** 31 }), (schema, name, revision) => {
      const table = tableFor(name || 'S', revision, schema);
      assertValidIdentifiers([table.name]);
      assert.match(table.name, /^[A-Za-z0-9_]+$/);
      assertValidIdentifiers(table.columns.map((c) => c.name));
      const ddl = createTableDdl(table);
      // Outside quoted identifiers, the DDL holds only our own keywords and types.
      // The owner comment is one SQL string literal, whatever the schema name holds.
      const comment = / COMMENT='(?:[^'\\]|\\.)*'$/.exec(ddl);
      assert.ok(comment, 'the table carries its owner comment');
      const bare = ddl.slice(0, comment.index).replace(/`(?:[^`]|``)*`/g, 'ID');
      assert.match(bare, /^CREATE TABLE IF NOT EXISTS ID \(\n(  (ID [A-Z0-9() _]+|PRIMARY KEY \(ID\)|UNIQUE KEY ID \(ID\)|KEY ID \(ID\)),?\n)+\) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4$/);
      const insert = insertIgnoreSql(table, 3).replace(/`(?:[^`]|``)*`/g, 'ID');
      assert.match(insert, /^INSERT IGNORE INTO ID \((ID, )*ID\) VALUES (\((\?, )*\?\), ){2}\((\?, )*\?\)$/);
    }),
    { numRuns: 300 },
  );
});

test('rowFor is total on accepted events: one value per column, each the event value (JSON text for JSON columns)', () => {
  // The registry's ajv: "accepted" means what production accepts.
  const ajv = createEventSchemaAjv();
  fc.assert(
    fc.property(
      draft03EventSchema(nastyKeys).chain((schema) => fc.tuple(fc.constant(schema), valueFor(schema))),
      ([schema, event]) => {
        const accepts = ajv.compile(normalizeEventSchema(schema));
        fc.pre(accepts(event) as boolean);
        const table = tableFor('S', 1, schema);
        const capsule = { event, uuid: '0'.repeat(32), dt: '2013-01-19T23:16:38Z', wiki: 'w', userAgent: { is_bot: false } };
        const row = rowFor(capsule, table);
        const columns = insertColumns(table);
        assert.equal(row.length, columns.length);
        columns.forEach((column, i) => {
          const value = row[i];
          assert.ok(value === null || ['string', 'number', 'boolean'].includes(typeof value));
          if (column.source.kind !== 'event') return;
          const expected = at(event, column.source.path);
          if (expected === undefined || expected === null) assert.equal(value, null);
          // JSON text of the value: what JSON can say of it (-0 is written 0).
          else if (column.source.encoding === 'json') assert.deepEqual(JSON.parse(value as string), JSON.parse(JSON.stringify(expected)));
          else assert.equal(value, expected);
        });
      },
    ),
    { numRuns: 300 },
  );
});

test('columnsFor never throws and is deterministic for any generated schema', () => {
  fc.assert(
    fc.property(draft03EventSchema(nastyKeys), (schema) => {
      assert.deepEqual(columnsFor(schema), columnsFor(structuredClone(schema)));
    }),
    { numRuns: 200 },
  );
});
