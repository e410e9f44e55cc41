import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../../src/lake/duckdb.js';
import { attachLake } from '../../../src/lake/lake-query.js';
import { capsule, write } from './helpers.js';
import { rename, mkdir } from 'node:fs/promises';

test('every table folder becomes a view event.<table>, its partition folders columns; names are case-insensitive as in Hive', async () => {
  const root = mkdtempSync(join(tmpdir(), 'el-lakeq-'));
  const writer = await openEngine();
  await write(writer, root, 'a', [capsule(1, { userID: 7 }), capsule(2, { userID: 7 }), capsule(3, { userID: 8 }, '2017-11-20T20:00:00Z')]);
  // A sanitised hour, as retention leaves it.
  const other = mkdtempSync(join(tmpdir(), 'el-lakeq-'));
  await write(writer, other, 'b', [capsule(4, {})]);
  await mkdir(join(root, 'event_sanitized/mobilewikiappedit/year=2017/month=11/day=20/hour=19'), { recursive: true });
  await rename(join(other, 'event/mobilewikiappedit/year=2017/month=11/day=20/hour=19/part-b-r1-0.parquet'), join(root, 'event_sanitized/mobilewikiappedit/year=2017/month=11/day=20/hour=19/data.parquet'));
  writer.close();
  const engine = await openEngine();
  try {
    assert.deepEqual(await attachLake(engine, root), ['event.mobilewikiappedit', 'event_sanitized.mobilewikiappedit']);
    const rows = await engine.all('SELECT event.userID, count(*) AS cnt FROM event.MobileWikiAppEdit WHERE year = 2017 AND month = 11 AND day = 20 AND hour = 19 GROUP BY event.userID');
    assert.deepEqual(rows, [{ userID: '7', cnt: '2' }]);
    assert.deepEqual(await engine.all('SELECT count(*) AS n FROM event_sanitized.mobilewikiappedit'), [{ n: '1' }]);
    assert.deepEqual(await engine.all('SELECT hour, count(*) AS n FROM event.mobilewikiappedit GROUP BY hour ORDER BY hour'), [{ hour: '19', n: '2' }, { hour: '20', n: '1' }]);
  } finally {
    engine.close();
  }
});
