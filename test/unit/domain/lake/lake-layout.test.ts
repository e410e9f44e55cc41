import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hourDir, hourEndMs, hourOf, lakeTableOf, parseHourPath, partFileName, tempName } from '../../../../src/domain/lake/lake-layout.js';

test('a schema becomes its Hive table name: lower case, nothing that could become a path', () => {
  assert.equal(lakeTableOf('MobileWikiAppEdit'), 'mobilewikiappedit');
  assert.equal(lakeTableOf('EventError'), 'eventerror');
  assert.equal(lakeTableOf('../etc/Passwd.x-y'), '___etc_passwd_x_y');
});

test('an event\'s hour comes from its dt, in UTC, as unpadded Hive partition folders', () => {
  const h = hourOf('2017-11-20T19:05:00Z')!;
  assert.deepEqual(h, { year: 2017, month: 11, day: 20, hour: 19 });
  assert.deepEqual(hourOf('2017-11-20T23:30:00-02:00'), { year: 2017, month: 11, day: 21, hour: 1 });
  assert.equal(hourOf('yesterday'), undefined);
  assert.equal(hourDir('event', 'mobilewikiappedit', h), 'event/mobilewikiappedit/year=2017/month=11/day=20/hour=19');
  assert.equal(hourEndMs(h), Date.UTC(2017, 10, 20, 20));
  assert.deepEqual(parseHourPath('/lake/event/x/year=2017/month=11/day=20/hour=19'), h);
  assert.equal(parseHourPath('/lake/event/x/year=2017/month=13/day=20/hour=19'), undefined);
  assert.equal(parseHourPath('/lake/event/x/year=2017/month=11/day=20'), undefined);
});

test('part files are named after their records; a file being written is hidden from *.parquet', () => {
  assert.equal(partFileName('eventlogging-valid-mixed', 3, 100, 199, 7), 'part-eventlogging-valid-mixed-3-100-199-r7.parquet');
  assert.equal(partFileName('a/b', 0, 1, 2, 1), 'part-a_b-0-1-2-r1.parquet');
  assert.ok(!tempName('data.parquet').endsWith('.parquet') && tempName('data.parquet').startsWith('.'));
});
