import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeQson, encodeQson, parseJsonObject, percentDecodeUtf8, recoverCapsuleHints, stripQsonMarks } from '../../../../src/domain/event/qson.js';

describe('decodeQson', () => {
  it('decodes the client form: ? + percent-encoded JSON + ;', () => {
    const r = decodeQson('?%7B%22event%22%3A%7B%22a%22%3A1%7D%2C%22schema%22%3A%22Test%22%7D;');
    assert.deepEqual(r, { ok: true, value: { event: { a: 1 }, schema: 'Test' } });
  });

  it('turns + into a space and %2B into a plus', () => {
    const r = decodeQson('?%7B%22t%22%3A%22Main+Page%2B%22%7D;');
    assert.deepEqual(r, { ok: true, value: { t: 'Main Page+' } });
  });

  it('decodes multi-byte UTF-8 and keeps raw non-ASCII characters', () => {
    assert.deepEqual(decodeQson('?%7B%22t%22%3A%22%C3%A9%E2%82%AC%F0%9F%98%80%22%7D'), { ok: true, value: { t: 'é€😀' } });
    assert.deepEqual(decodeQson('?{"t":"é"}'), { ok: true, value: { t: 'é' } });
  });

  it('rejects invalid UTF-8 instead of replacing it', () => {
    const r = decodeQson('?%7B%22t%22%3A%22%C3%28%22%7D;');
    assert.equal(r.ok, false);
    assert.match((r as { message: string }).message, /UTF-8/);
    assert.equal(percentDecodeUtf8('%ED%A0%80'), undefined, 'an encoded surrogate is not UTF-8');
    assert.equal(percentDecodeUtf8('%C0%AF'), undefined, 'an overlong encoding is not UTF-8');
  });

  it('keeps a stray % literal (and still rejects bad UTF-8 next to it)', () => {
    assert.equal(percentDecodeUtf8('100%'), '100%');
    assert.equal(percentDecodeUtf8('%zz%41'), '%zzA');
    assert.equal(percentDecodeUtf8('5%%C3%A9'), '5%é');
    assert.equal(percentDecodeUtf8('5%%C3'), undefined);
  });

  it('requires a JSON object', () => {
    assert.equal(decodeQson('?%5B1%2C2%5D;').ok, false);
    assert.equal(decodeQson('?null;').ok, false);
    assert.equal(decodeQson('?42').ok, false);
    assert.equal(decodeQson('?%7B%22a%22%3A').ok, false);
    assert.equal(parseJsonObject('{"a":1}').ok, true);
  });

  it('encodeQson is the inverse of decodeQson', () => {
    const value = { event: { 'action.init.timing': 12, t: 'a b+c;?&=%' }, schema: 'Edit', revision: 1 };
    assert.deepEqual(decodeQson(encodeQson(value)), { ok: true, value });
  });

  it('strips every leading ? and trailing ;', () => {
    assert.equal(stripQsonMarks('??{};;'), '{}');
    assert.equal(stripQsonMarks('{}'), '{}');
  });
});

describe('recoverCapsuleHints', () => {
  it('finds schema, revision and wiki in percent-encoded text', () => {
    const raw = '?%7B%22event%22%3A%7B%7D%2C%22schema%22%3A%22Edit%22%2C%22revision%22%3A1%2C%22wiki%22%3A%22enwiki%22%2C%22x%22%3A%22%C3%28';
    assert.deepEqual(recoverCapsuleHints(raw), { schema: 'Edit', revision: 1, wiki: 'enwiki' });
  });

  it('finds them in plain JSON with spaces', () => {
    assert.deepEqual(recoverCapsuleHints('{"schema" : "NavigationTiming", "revision": 7'), { schema: 'NavigationTiming', revision: 7 });
  });

  it('recovers nothing from garbage, and refuses names that are not schema names', () => {
    assert.deepEqual(recoverCapsuleHints('garbage'), {});
    assert.deepEqual(recoverCapsuleHints('{"schema":"bad name!","revision":0}'), {});
  });
});
