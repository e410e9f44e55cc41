import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sqlLiteral, sqlValuesList } from '../../../../src/domain/table/sql-literal.js';

test('NULL, booleans and numbers are written as mysql2 writes them', () => {
  assert.equal(sqlLiteral(null), 'NULL');
  assert.equal(sqlLiteral(true), 'true');
  assert.equal(sqlLiteral(false), 'false');
  assert.equal(sqlLiteral(0), '0');
  assert.equal(sqlLiteral(-0), '0');
  assert.equal(sqlLiteral(-42), '-42');
  assert.equal(sqlLiteral(0.1), '0.1');
  assert.equal(sqlLiteral(1e21), '1e+21');
});

test('strings are single-quoted; only the nine characters MySQL escapes are escaped', () => {
  assert.equal(sqlLiteral('plain text, é, 😀'), "'plain text, é, 😀'");
  assert.equal(sqlLiteral(''), "''");
  assert.equal(sqlLiteral("it's"), "'it\\'s'");
  assert.equal(sqlLiteral('say "hi"'), `'say \\"hi\\"'`);
  assert.equal(sqlLiteral('C:\\path'), "'C:\\\\path'");
  assert.equal(sqlLiteral('\0\b\t\n\r\x1a'), "'\\0\\b\\t\\n\\r\\Z'");
  // An injection attempt stays inside its literal.
  assert.equal(sqlLiteral("x'); DROP TABLE t; --"), "'x\\'); DROP TABLE t; --'");
});

test('a values list is one parenthesised tuple per row, comma-separated', () => {
  assert.equal(sqlValuesList([['a', 1, null], ['b', true, 2.5]]), "('a',1,NULL),('b',true,2.5)");
  assert.equal(sqlValuesList([[null]]), '(NULL)');
});
