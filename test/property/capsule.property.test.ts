import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CAPSULE_FIELDS, encapsulate } from '../../src/domain/event/capsule.js';
import { mediawikiTimestamp } from '../../src/domain/table/mediawiki-timestamp.js';
import { makeEventError, type EventErrorKind } from '../../src/domain/event/event-error.js';

const valid = fc.record({
  event: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
  schema: fc.stringMatching(/^[./a-zA-Z0-9_-]{1,63}$/),
  revision: fc.integer({ min: 1, max: 2 ** 31 }),
  wiki: fc.string(),
  recvFrom: fc.string({ minLength: 1 }),
  seqId: fc.nat(),
  dt: fc.integer({ min: 0, max: 253402300799 }).map((s) => new Date(s * 1000).toISOString().slice(0, 19)),
});
const extras = fc.dictionary(fc.string().filter((k) => !(CAPSULE_FIELDS as readonly string[]).includes(k) && k !== 'timestamp' && k !== '__proto__'), fc.jsonValue(), { maxKeys: 5 });

describe('capsule, properties', () => {
  it('a capsule has only contract fields, whatever else the input holds', () => {
    fc.assert(
      fc.property(valid, extras, (fields, extra) => {
        const r = encapsulate({ ...extra, ...fields });
        if (!r.ok) assert.fail(r.message);
        for (const key of Object.keys(r.capsule)) assert.ok((CAPSULE_FIELDS as readonly string[]).includes(key), key);
        assert.equal(r.capsule.dt, `${fields.dt}Z`);
        assert.equal(mediawikiTimestamp(r.capsule.dt), fields.dt.replace(/[-T:]/g, ''));
      }),
    );
  });

  it('encapsulate never throws, and a failure always names a closed-list code', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...CAPSULE_FIELDS, 'timestamp', 'x'), fc.anything(), { maxKeys: 12 }), (fields) => {
        const r = encapsulate(fields);
        if (!r.ok) assert.ok(r.code === 'EL_PARSE_FAILED' || r.code === 'EL_VALIDATION_FAILED');
      }),
      { numRuns: 500 },
    );
  });

  it('an EventError never throws and always names a schema and an integer revision', () => {
    fc.assert(
      fc.property(fc.fullUnicodeString(), fc.constantFrom<EventErrorKind[]>('processor', 'validation', 'consumer', 'replay'), (rawEvent, code) => {
        const e = makeEventError({ code, rawEvent, message: 'm' }, { recvFrom: 'h', dt: '2024-01-01T00:00:00Z' });
        assert.equal(typeof e.event.schema, 'string');
        assert.ok(Number.isInteger(e.event.revision));
        assert.equal(e.event.rawEvent, rawEvent);
      }),
    );
  });
});
