import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CAPSULE_FIELDS, encapsulate, type CapsuleFailure, type EventCapsule } from '../../../../src/domain/event/capsule.js';

const base = {
  event: { action: 'init' },
  schema: 'Edit',
  revision: 1,
  wiki: 'enwiki',
  webHost: 'en.wikipedia.org',
  recvFrom: 'srv0.example.org',
  seqId: 132073,
  dt: '2013-01-19T23:16:38Z',
  userAgent: null,
};

function capsule(fields: Record<string, unknown>): EventCapsule {
  const r = encapsulate(fields);
  if (!r.ok) assert.fail(`${r.code}: ${r.message}`);
  return r.capsule;
}
function failure(fields: Record<string, unknown>): CapsuleFailure {
  const r = encapsulate(fields);
  assert.equal(r.ok, false);
  return r as CapsuleFailure;
}

describe('encapsulate', () => {
  it('builds the capsule with the design uuid', () => {
    const c = capsule(base);
    assert.equal(c.uuid, '749684341abf513186c71f74c6a09502');
    assert.deepEqual({ ...c, uuid: undefined }, { ...base, uuid: undefined });
  });

  it('keeps only the contract fields, dropping the rest (and a client-sent uuid)', () => {
    const c = capsule({ ...base, clientValidated: true, isTruncated: false, clientIp: '1.2.3.4', timestamp: 1, uuid: 'f'.repeat(32), topic: 'eventlogging_Edit', ip: '10.0.0.1' });
    assert.deepEqual(Object.keys(c), ['event', 'schema', 'revision', 'wiki', 'webHost', 'recvFrom', 'seqId', 'dt', 'uuid', 'userAgent', 'topic', 'ip']);
    assert.deepEqual(Object.keys(c), [...CAPSULE_FIELDS]);
    assert.equal(c.uuid, '749684341abf513186c71f74c6a09502');
  });

  it('derives dt from timestamp when dt is absent, and normalises dt; the uuid hashes dt as sent', () => {
    const { dt: _dt, ...noDt } = base;
    assert.equal(capsule({ ...noDt, timestamp: 1358637398 }).uuid, '749684341abf513186c71f74c6a09502');
    assert.equal(capsule({ ...noDt, timestamp: 1358637398 }).dt, '2013-01-19T23:16:38Z');
    const naive = capsule({ ...base, dt: '2013-01-19T23:16:38' });
    assert.equal(naive.dt, '2013-01-19T23:16:38Z');
    // The original's capsule_uuid hashes the capsule's dt unchanged.
    assert.equal(naive.uuid, 'e6b17e1f661155bd8523d14c87d0600b');
  });

  it('takes PHP\'s empty array `"event": []` as an empty event; any other array is refused', () => {
    assert.deepEqual(capsule({ ...base, event: [] }).event, {});
    assert.equal(failure({ ...base, event: [1] }).code, 'EL_VALIDATION_FAILED');
  });

  it('drops an ip of - and omits absent wiki/webHost', () => {
    const { wiki: _w, webHost: _h, ...rest } = base;
    const c = capsule({ ...rest, ip: '-' });
    assert.equal('ip' in c, false);
    assert.equal('wiki' in c, false);
    assert.equal('webHost' in c, false);
  });

  it('fails without the identity fields with EL_PARSE_FAILED', () => {
    assert.equal(failure({ ...base, recvFrom: undefined }).code, 'EL_PARSE_FAILED');
    assert.equal(failure({ ...base, seqId: 1.5 }).code, 'EL_PARSE_FAILED');
    assert.equal(failure({ ...base, dt: 'soon' }).code, 'EL_PARSE_FAILED');
  });

  it('fails a malformed capsule with EL_VALIDATION_FAILED, keeping what it could read', () => {
    const noSchema = failure({ ...base, schema: undefined });
    assert.equal(noSchema.code, 'EL_VALIDATION_FAILED');
    assert.equal(noSchema.revision, 1);
    const badRevision = failure({ ...base, revision: '1' });
    assert.equal(badRevision.code, 'EL_VALIDATION_FAILED');
    assert.equal(badRevision.schema, 'Edit');
    assert.equal(failure({ ...base, event: ['x'] }).code, 'EL_VALIDATION_FAILED');
    assert.equal(failure({ ...base, schema: 'a b' }).code, 'EL_VALIDATION_FAILED');
    assert.equal(failure({ ...base, wiki: 3 }).code, 'EL_VALIDATION_FAILED');
    assert.equal(failure({ ...base, userAgent: 'Mozilla/5.0' }).code, 'EL_VALIDATION_FAILED');
  });
});
