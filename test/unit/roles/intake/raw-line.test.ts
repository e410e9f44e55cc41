import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRawLine, isoSeconds, userAgentField } from '../../../../src/roles/intake/raw-line.js';

const base = { recvFrom: 'intake1.example.org', seqId: 42, receivedAt: Date.UTC(2013, 0, 19, 23, 16, 38, 999), ip: '10.0.0.1', userAgent: 'Mozilla/5.0' };

test('a beacon becomes the six tab-separated production fields', () => {
  const line = formatRawLine({ ...base, query: '%7B%22a%22%3A1%7D;' });
  assert.equal(line, '?%7B%22a%22%3A1%7D;\tintake1.example.org\t42\t2013-01-19T23:16:38\t10.0.0.1\tMozilla/5.0');
  assert.equal(line.split('\t').length, 6);
});

test('the query gets exactly one trailing semicolon', () => {
  assert.ok(formatRawLine({ ...base, query: '%7B%7D' }).startsWith('?%7B%7D;\t'));
  assert.ok(formatRawLine({ ...base, query: '%7B%7D;' }).startsWith('?%7B%7D;\t'));
});

test('whitespace in a query is percent-encoded so it cannot split the line', () => {
  const line = formatRawLine({ ...base, query: '{"a": "b\tc"}' });
  assert.equal(line.split('\t').length, 6);
  assert.ok(line.startsWith('?{"a":%20"b%09c"};\t'));
  assert.equal(decodeURIComponent(line.split('\t')[0]!.slice(1, -1)), '{"a": "b\tc"}');
});

test('user agent: tabs and newlines become spaces; missing or blank is "-"', () => {
  assert.equal(userAgentField('a\tb\nc\r\nd'), 'a b c  d');
  assert.equal(userAgentField(undefined), '-');
  assert.equal(userAgentField(' \t '), '-');
  const line = formatRawLine({ ...base, query: 'x', userAgent: 'evil\tagent\n' });
  assert.equal(line.split('\t').length, 6);
  assert.equal(line.split('\t')[5], 'evil agent ');
});

test('dt is UTC ISO to the second without zone', () => {
  assert.equal(isoSeconds(0), '1970-01-01T00:00:00');
  assert.equal(isoSeconds(Date.UTC(2024, 1, 29, 12, 5, 9, 500)), '2024-02-29T12:05:09');
});
