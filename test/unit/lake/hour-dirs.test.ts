import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hourDirs } from '../../../src/lake/hour-dirs.js';

test('hour folders are found four levels under each table; anything else in the tree is passed over', async () => {
  const root = mkdtempSync(join(tmpdir(), 'el-hours-'));
  for (const p of ['event/edit/year=2017/month=11/day=20/hour=19', 'event/edit/year=2017/month=11/day=20/hour=20', 'event/eventerror/year=2018/month=1/day=2/hour=3',
    'event/edit/year=2017/month=11/day=20/notanhour', 'event/edit/year=2017/month=11', 'event_sanitized/edit/year=2016/month=1/day=1/hour=0']) {
    mkdirSync(join(root, p), { recursive: true });
  }
  writeFileSync(join(root, 'event/stray.parquet'), '');
  const found = await hourDirs(root, 'event');
  assert.deepEqual(found.map((h) => `${h.table} ${h.hour.year}-${h.hour.month}-${h.hour.day} ${h.hour.hour}`), ['edit 2017-11-20 19', 'edit 2017-11-20 20', 'eventerror 2018-1-2 3']);
  assert.equal(found[0]!.dir, join(root, 'event/edit/year=2017/month=11/day=20/hour=19'));
  assert.deepEqual((await hourDirs(root, 'event_sanitized', 'edit')).map((h) => h.hour.year), [2016]);
  assert.deepEqual(await hourDirs(root, 'event', 'nosuchtable'), []);
});
