import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encapsulate } from '../../src/domain/event/capsule.js';
import { capsuleUuid } from '../../src/domain/event/uuid.js';

const identity = fc.record({
  recvFrom: fc.stringMatching(/^[a-z0-9.-]{1,30}$/),
  seqId: fc.nat(),
  dt: fc.integer({ min: 0, max: 253402300799 }).map((s) => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`),
});

describe('uuid, properties', () => {
  it('is stable and well-formed (32 lowercase hex, version 5, RFC 4122 variant)', () => {
    fc.assert(
      fc.property(identity, (id) => {
        const u = capsuleUuid(id);
        assert.equal(u, capsuleUuid({ ...id }));
        assert.equal(u, capsuleUuid({ ...id, seqId: String(id.seqId) }));
        assert.match(u, /^[0-9a-f]{12}5[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
      }),
    );
  });

  it('is distinct for distinct (recvFrom, seqId, dt)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(identity, { minLength: 2, maxLength: 50, selector: (id) => `${id.recvFrom}\u0000${id.seqId}\u0000${id.dt}` }),
        (ids) => {
          const uuids = new Set(ids.map(capsuleUuid));
          assert.equal(uuids.size, ids.length);
        },
      ),
    );
  });

  it('the capsule uuid depends only on recvFrom, seqId and dt', () => {
    fc.assert(
      fc.property(identity, fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), fc.stringMatching(/^[A-Za-z]{1,20}$/), (id, event, schema) => {
        const r = encapsulate({ ...id, event, schema, revision: 1 });
        assert.ok(r.ok);
        assert.equal(r.capsule.uuid, capsuleUuid(id));
      }),
    );
  });
});
