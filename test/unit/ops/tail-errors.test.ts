import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrorLine, matchesFilter, parseEventError } from '../../../src/ops/tail-errors.js';
import { makeEventError } from '../../../src/domain/event/event-error.js';

const ctx = { recvFrom: 'p1', dt: '2024-05-01T10:00:01Z' };
const validation = makeEventError({ code: 'validation', rawEvent: `?${'x'.repeat(300)}\tcp1\t42\t2024-05-01T10:00:00`, message: 'value must\nbe integer', schema: 'Edit', revision: 7, errorCode: 'EL_VALIDATION_FAILED' }, ctx);
const processor = makeEventError({ code: 'processor', rawEvent: 'garbage', message: 'no match', errorCode: 'EL_PARSE_FAILED' }, ctx);

test('parseEventError accepts EventErrors and rejects anything else', () => {
  assert.ok(parseEventError(JSON.stringify(validation)));
  assert.equal(parseEventError('not json'), undefined);
  assert.equal(parseEventError('[1]'), undefined);
  assert.equal(parseEventError('{"event":"x"}'), undefined);
});

test('filters by schema and by code, both at once', () => {
  assert.ok(matchesFilter(validation, {}));
  assert.ok(matchesFilter(validation, { schema: 'Edit', code: 'validation' }));
  assert.equal(matchesFilter(validation, { schema: 'Other' }), false);
  assert.equal(matchesFilter(validation, { code: 'processor' }), false);
  assert.ok(matchesFilter(processor, { code: 'processor' }));
  assert.equal(matchesFilter(processor, { schema: 'Edit', code: 'processor' }), false);
});

test('one line per error: dt schema rev code errorCode message | raw, raw truncated and flattened', () => {
  const line = formatErrorLine(validation, 40);
  assert.equal(line, `2024-05-01T10:00:01Z Edit 7 validation EL_VALIDATION_FAILED value must be integer | ?${'x'.repeat(39)}…`);
  assert.ok(!line.includes('\n') && !line.includes('\t'));
  assert.equal(formatErrorLine(processor), '2024-05-01T10:00:01Z unknown -1 processor EL_PARSE_FAILED no match | garbage');
  assert.equal(formatErrorLine({ event: {} }), '- - - - - - | ');
});
