import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dtFromEpoch, isoToEpochSeconds, normalizeDt } from '../../../../src/domain/event/iso-time.js';
import { mediawikiTimestamp } from '../../../../src/domain/table/mediawiki-timestamp.js';

describe('normalizeDt', () => {
  it('adds Z to a zone-less time (the %D input of production lines)', () => {
    assert.equal(normalizeDt('2016-09-26T07:01:42'), '2016-09-26T07:01:42Z');
  });
  it('keeps a Z time as it is', () => {
    assert.equal(normalizeDt('2013-01-19T23:16:38Z'), '2013-01-19T23:16:38Z');
  });
  it('converts offsets to UTC and keeps a fraction', () => {
    assert.equal(normalizeDt('2013-01-20T01:16:38+02:00'), '2013-01-19T23:16:38Z');
    assert.equal(normalizeDt('2013-01-19T18:16:38.250-0500'), '2013-01-19T23:16:38.250Z');
  });
  it('rejects times that do not exist or are not ISO', () => {
    for (const bad of ['2013-02-30T00:00:00', '2013-13-01T00:00:00', '2013-01-01T24:00:00', '2013-01-01', 'yesterday', '']) {
      assert.equal(normalizeDt(bad), undefined, bad);
    }
  });
});

describe('epoch conversions', () => {
  it('isoToEpochSeconds reads the time as UTC', () => {
    assert.equal(isoToEpochSeconds('2013-01-19T23:16:38'), 1358637398);
    assert.equal(isoToEpochSeconds('nope'), undefined);
  });
  it('dtFromEpoch accepts seconds and milliseconds', () => {
    assert.equal(dtFromEpoch(1358637398), '2013-01-19T23:16:38Z');
    assert.equal(dtFromEpoch(1358637398123), '2013-01-19T23:16:38.123Z');
    assert.equal(dtFromEpoch(-1), undefined);
    assert.equal(dtFromEpoch(Number.NaN), undefined);
  });
});

describe('mediawikiTimestamp', () => {
  it('formats a dt as YYYYMMDDHHMMSS', () => {
    assert.equal(mediawikiTimestamp('2013-01-19T23:16:38Z'), '20130119231638');
    assert.equal(mediawikiTimestamp('2013-01-19T23:16:38.250Z'), '20130119231638');
  });
});
