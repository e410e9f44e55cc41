import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatWindow } from '../../../../src/domain/burrow/format-window.js';

describe('formatWindow', () => {
  it('prints Burrow\'s alert line', () => {
    assert.equal(
      formatWindow('eventlogging-valid-mixed', 2, { timestamp: 1454622892611, offset: 199315032, lag: 17 }, { timestamp: 1454622901672, offset: 199315032, lag: 17 }),
      'eventlogging-valid-mixed:2 (1454622892611, 199315032, 17) -> (1454622901672, 199315032, 17)',
    );
  });

  it('shows unknown lag as ? and a missing end as (none)', () => {
    assert.equal(formatWindow('t', 0, { timestamp: 1, offset: 2, lag: null }, null), 't:0 (1, 2, ?) -> (none)');
  });
});
