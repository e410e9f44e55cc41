import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isoToEpochSeconds, normalizeDt } from '../../src/domain/event/iso-time.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

test('a YYYY-MM-DDTHH:MM:SSZ time is its own dt exactly when the calendar has it (leap years, month lengths, ranges)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }),
    (y, mo, d, h, mi, s) => {
      const text = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}Z`;
      // The oracle: the same instant through Date, compared field by field.
      const ms = Date.UTC(y, mo - 1, d, h, mi, s);
      const t = new Date(ms);
      const exists = y >= 100 && mo >= 1 && mo <= 12 && h <= 23 && mi <= 59 && s <= 59 &&
        t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
      assert.equal(normalizeDt(text), exists ? text : undefined, text);
      assert.equal(isoToEpochSeconds(text), exists ? Math.floor(ms / 1000) : undefined, text);
    },
  ), { numRuns: 3000 });
});

test('any instant, written with an offset, a fraction or a space, normalises to the UTC Z form of the same instant', () => {
  fc.assert(fc.property(
    fc.integer({ min: Date.UTC(1970, 0, 2), max: Date.UTC(9998, 11, 30) }), fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.boolean(),
    (ms, offsetMin, space) => {
      const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMin * 60_000).toISOString().slice(0, 19);
      const sign = offsetMin < 0 ? '-' : '+';
      const abs = Math.abs(offsetMin);
      const text = `${space ? local.replace('T', ' ') : local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
      assert.equal(normalizeDt(text), `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`, text);
    },
  ), { numRuns: 1000 });
});
