import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identifierCollisionKey, quoteIdentifier, safeIdentifier, shortHash } from '../../../../src/domain/table/mysql-identifier.js';

test('shortHash is 8 hex digits, deterministic (FNV-1a 32) and sensitive to the input', () => {
  assert.equal(shortHash(''), '811c9dc5');
  assert.equal(shortHash('a'), 'e40c292c');
  assert.match(shortHash('event_x'), /^[0-9a-f]{8}$/);
  assert.notEqual(shortHash('event_a'), shortHash('event_b'));
});

test('quoteIdentifier backtick-quotes and doubles backticks', () => {
  assert.equal(quoteIdentifier('event_a.b'), '`event_a.b`');
  assert.equal(quoteIdentifier('a`b'), '`a``b`');
  assert.equal(quoteIdentifier("x`; DROP TABLE t; --"), "`x``; DROP TABLE t; --`");
});

test('safeIdentifier keeps ordinary names, replaces NUL, astral characters and trailing spaces', () => {
  assert.equal(safeIdentifier('event_action.init.timing'), 'event_action.init.timing');
  assert.equal(safeIdentifier('a\u0000b'), 'a_b');
  assert.equal(safeIdentifier('smile😀'), 'smile_');
  assert.equal(safeIdentifier('name  '), 'name__');
  assert.equal(safeIdentifier(''), '_');
  assert.equal(safeIdentifier('café'), 'café');
});

test('safeIdentifier shortens names over 64 characters to prefix + _ + hash of the full name', () => {
  const long = `event_${'x'.repeat(100)}`;
  const short = safeIdentifier(long);
  assert.equal(short.length, 64);
  assert.equal(short, `${long.slice(0, 55)}_${shortHash(long)}`);
  assert.notEqual(safeIdentifier(`${long}1`), safeIdentifier(`${long}2`));
  assert.equal(safeIdentifier('y'.repeat(64)), 'y'.repeat(64));
  // Counted in characters, as the server does, not UTF-16 units or bytes.
  assert.equal(safeIdentifier('é'.repeat(64)), 'é'.repeat(64));
});

test('identifierCollisionKey folds case and accents like the server does', () => {
  assert.equal(identifierCollisionKey('Event_A'), identifierCollisionKey('event_a'));
  assert.equal(identifierCollisionKey('event_café'), identifierCollisionKey('event_cafe'));
  assert.equal(identifierCollisionKey('straße'), identifierCollisionKey('strase'));
  assert.notEqual(identifierCollisionKey('event_a'), identifierCollisionKey('event_b'));
});
