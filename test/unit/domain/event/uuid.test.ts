import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { capsuleUuid, eventUrl, uuid5Url } from '../../../../src/domain/event/uuid.js';

describe('capsuleUuid', () => {
  it('holds the design example', () => {
    assert.equal(capsuleUuid({ recvFrom: 'srv0.example.org', seqId: 132073, dt: '2013-01-19T23:16:38Z' }), '749684341abf513186c71f74c6a09502');
  });
  it('hashes the event URL with dt as written (no Z, another uuid)', () => {
    assert.equal(eventUrl({ recvFrom: 'a', seqId: 1, dt: 'x' }), 'event://a/?seqId=1&dt=x');
    assert.notEqual(capsuleUuid({ recvFrom: 'srv0.example.org', seqId: 132073, dt: '2013-01-19T23:16:38' }), '749684341abf513186c71f74c6a09502');
  });
  it('is UUIDv5 in the URL namespace (RFC 4122 reference value, version and variant bits)', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_URL, 'http://example.com/').hex
    assert.equal(uuid5Url('http://example.com/'), '0a300ee9f9e45697a51aefc7fafaba67');
    const u = uuid5Url('event://x/?seqId=1&dt=2020-01-01T00:00:00Z');
    assert.match(u, /^[0-9a-f]{12}5[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
  });
});
