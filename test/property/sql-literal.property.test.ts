/**
 * The consumer writes row values into its statements itself (`insertRowsStatement`). Property:
 * for any rows of any values a row can hold, the text is exactly what mysql2 writes when the
 * same values are bound to the placeholder statement, so escaping is no weaker than mysql2's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import mysql from 'mysql2';
import { insertRowsSql, insertRowsStatement } from '../../src/domain/table/table-insert.js';
import { insertColumns } from '../../src/domain/table/table-ddl.js';
import { tableFor } from '../../src/domain/table/table-mapping.js';
import type { RowValue } from '../../src/domain/table/table-row.js';

const table = tableFor('Nasty', 1, { properties: { s: { type: 'string' }, n: { type: 'number' }, b: { type: 'boolean' } } });
const width = insertColumns(table).length;

/** Strings biased towards the characters MySQL escapes, plus any UTF-16 (lone surrogates too). */
const nastyString = fc.oneof(
  fc.string({ unit: fc.constantFrom('\0', '\b', '\t', '\n', '\r', '\x1a', '"', "'", '\\', '?', '`', 'a', 'é', '😀'), maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
);
const value: fc.Arbitrary<RowValue> = fc.oneof(nastyString, fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
const rows = fc.array(fc.array(value, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 });

test('insertRowsStatement equals mysql2.format of the placeholder statement, in both modes', () => {
  fc.assert(fc.property(rows, fc.constantFrom('skip-duplicates' as const, 'replace' as const), (rs, mode) => {
    assert.equal(insertRowsStatement(table, rs, mode), mysql.format(insertRowsSql(table, rs.length, mode), rs.flat()));
  }), { numRuns: 2000 });
});
