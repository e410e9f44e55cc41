import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { eventErrorUuid, makeEventError, validationFailureKind } from '../../../../src/domain/event/event-error.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schema = JSON.parse(readFileSync(new URL('../../../../docs/schemas/EventError.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);
const ctx = { recvFrom: 'processor1.example.org', dt: '2024-05-01T12:00:00Z' };
const RAW = '?%7B%22event%22%3A%7B%7D%2C%22schema%22%3A%22Edit%22%2C%22revision%22%3A1%2C%22wiki%22%3A%22enwiki%22%2C%22x%22%3A%22%C3%28;\th\t1\t2016-09-26T07:01:42\t-\t-';

describe('makeEventError', () => {
  it('builds an EventError with the source and stage, valid against docs/schemas/EventError.json', () => {
    const e = makeEventError(
      { code: 'processor', rawEvent: RAW, message: 'bad UTF-8', errorCode: 'EL_DECODE_FAILED', stage: 'parse', source: { topic: 'eventlogging-client-side', partition: 3, offset: 1234 } },
      ctx,
    );
    assert.deepEqual(e, {
      schema: 'EventError',
      revision: 1,
      wiki: 'enwiki',
      uuid: eventErrorUuid('processor', RAW),
      recvFrom: 'processor1.example.org',
      dt: '2024-05-01T12:00:00Z',
      event: {
        rawEvent: RAW,
        message: 'bad UTF-8',
        code: 'processor',
        schema: 'Edit',
        revision: 1,
        errorCode: 'EL_DECODE_FAILED',
        stage: 'parse',
        topic: 'eventlogging-client-side',
        partition: 3,
        offset: 1234,
      },
    });
    assert.equal(validate(e), true, JSON.stringify(validate.errors));
  });

  it('prefers the schema and revision of the event over the raw text', () => {
    const e = makeEventError({ code: 'validation', rawEvent: RAW, message: 'm', schema: 'NavigationTiming', revision: 2, wiki: 'dewiki' }, ctx);
    assert.deepEqual([e.event.schema, e.event.revision, e.wiki], ['NavigationTiming', 2, 'dewiki']);
  });

  it('falls back to unknown / -1 / empty wiki, and is still valid', () => {
    const e = makeEventError({ code: 'processor', rawEvent: 'garbage', message: 'no match' }, ctx);
    assert.deepEqual([e.event.schema, e.event.revision, e.wiki], ['unknown', -1, '']);
    assert.equal(validate(e), true, JSON.stringify(validate.errors));
  });

  it('has a deterministic uuid: same raw event and code → same uuid; otherwise different', () => {
    const a = makeEventError({ code: 'processor', rawEvent: 'x', message: 'one' }, ctx);
    const b = makeEventError({ code: 'processor', rawEvent: 'x', message: 'two' }, { ...ctx, dt: '2025-01-01T00:00:00Z' });
    const c = makeEventError({ code: 'replay', rawEvent: 'x', message: 'one' }, ctx);
    assert.equal(a.uuid, b.uuid);
    assert.notEqual(a.uuid, c.uuid);
    assert.match(a.uuid, /^[0-9a-f]{32}$/);
    assert.equal(makeEventError({ code: 'processor', rawEvent: 'x', message: 'one' }, { ...ctx, uuid: 'a'.repeat(32) }).uuid, 'a'.repeat(32));
  });

  it('the schema rejects an EventError with an unknown field or code', () => {
    const e = makeEventError({ code: 'processor', rawEvent: 'x', message: 'm' }, ctx);
    assert.equal(validate({ ...e, extra: 1 }), false);
    assert.equal(validate({ ...e, event: { ...e.event, code: 'other' } }), false);
  });
});

it('validationFailureKind: a schema that cannot be had is `processor` (as the original), anything else `validation`', () => {
  assert.equal(validationFailureKind('EL_SCHEMA_NOT_FOUND'), 'processor');
  assert.equal(validationFailureKind('EL_SCHEMA_INVALID'), 'processor');
  assert.equal(validationFailureKind('EL_VALIDATION_FAILED'), 'validation');
  assert.equal(validationFailureKind('EL_INPUT_LIMIT'), 'validation');
});
