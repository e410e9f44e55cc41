import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecentErrors, maskAddresses, summariseEventError } from '../../../../src/domain/event/recent-errors.js';
import type { EventErrorInput } from '../../../../src/domain/event/event-error.js';

const failure = (errorCode: EventErrorInput['errorCode'], message: string): EventErrorInput => ({
  code: 'validation', errorCode, message, rawEvent: '?{"secret":1};\tcp1.example\t1\t2026-12-01T00:00:00Z\t198.51.100.7\tUA', schema: 'Edit', revision: 1,
});

test('addresses in a message are masked; times and ratios are not', () => {
  assert.equal(maskAddresses('from 198.51.100.7 and 2001:db8::1 at 12:34:56'), 'from <ip> and <ip> at 12:34:56');
  assert.equal(maskAddresses('full fe80:0:0:0:202:b3ff:fe1e:8329 form'), 'full <ip> form');
  assert.equal(maskAddresses('ratio 3:4, version 1.2'), 'ratio 3:4, version 1.2');
});

test('a summary keeps no raw event and cuts long messages', () => {
  const s = summariseEventError(failure('EL_VALIDATION_FAILED', `x${'y'.repeat(1000)}`), 5, { topic: 'raw', partition: 2, offset: 9 });
  assert.equal(JSON.stringify(s).includes('secret'), false);
  assert.equal(JSON.stringify(s).includes('198.51.100.7'), false);
  assert.equal(s.message.length, 301);
  assert.deepEqual({ ...s, message: undefined }, { at: 5, code: 'validation', errorCode: 'EL_VALIDATION_FAILED', schema: 'Edit', revision: 1, message: undefined, topic: 'raw', partition: 2, offset: 9 });
});

test('the latest few of each code are kept, newest first, however many arrive', () => {
  const recent = createRecentErrors(2);
  for (let i = 0; i < 1000; i++) recent.add(failure(i % 2 ? 'EL_VALIDATION_FAILED' : 'EL_INPUT_LIMIT', `m${i}`), i);
  recent.add(failure(undefined, 'no code'), 1000);
  assert.deepEqual(recent.list().map((e) => [e.errorCode ?? e.code, e.message]), [
    ['validation', 'no code'],
    ['EL_VALIDATION_FAILED', 'm999'],
    ['EL_INPUT_LIMIT', 'm998'],
    ['EL_VALIDATION_FAILED', 'm997'],
    ['EL_INPUT_LIMIT', 'm996'],
  ]);
});

test('a client-chosen schema name is cut to a name length', () => {
  const s = summariseEventError({ code: 'processor', message: 'm', schema: 'S'.repeat(100_000) }, 1);
  assert.equal(s.schema?.length, 121);
});
