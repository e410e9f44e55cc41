import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isExpired, lakeAllowedColumns, sanitizedSelect } from '../../../../src/domain/lake/lake-retention.js';
import { parseAllowlist } from '../../../../src/domain/table/retention.js';

test('allow-list entries name a lake table by schema or by MySQL table name; unlisted tables have none', () => {
  const list = parseAllowlist({ Edit: ['wiki'], Edit_13457736: ['event_action'], NavigationTiming_1: ['event_responseStart'] });
  assert.deepEqual([...lakeAllowedColumns('edit', list)!].sort(), ['event_action', 'wiki']);
  assert.deepEqual([...lakeAllowedColumns('navigationtiming', list)!], ['event_responseStart']);
  assert.equal(lakeAllowedColumns('servertiming', list), undefined);
});

test('sanitising keeps identity, time, listed columns and listed event fields, nested ones by their flattened name', () => {
  const columns = [
    { name: 'uuid' }, { name: 'dt' }, { name: 'schema' }, { name: 'revision' }, { name: 'wiki' }, { name: 'webHost' },
    { name: 'userAgent', fields: [{ name: 'browser_family' }] },
    { name: 'event', fields: [{ name: 'action' }, { name: 'page', fields: [{ name: 'ns' }, { name: 'title' }] }, { name: 'user', fields: [{ name: 'id' }] }, { name: 'secret' }] },
  ];
  assert.equal(
    sanitizedSelect(columns, new Set(['wiki', 'event_action', 'event_page_ns', 'event_user'])),
    `"uuid", "dt", "schema", "revision", "wiki", {'action': "event"."action", 'page': {'ns': "event"."page"."ns"}, 'user': "event"."user"} AS "event"`,
  );
  assert.equal(sanitizedSelect(columns, new Set()), '"uuid", "dt", "schema", "revision"');
});

test('an hour expires once it ended the retention period ago', () => {
  const hour = { year: 2026, month: 9, day: 2, hour: 11 };
  const end = Date.UTC(2026, 8, 2, 12);
  assert.equal(isExpired(hour, end + 90 * 86_400_000, 90), true);
  assert.equal(isExpired(hour, end + 90 * 86_400_000 - 1, 90), false);
});
