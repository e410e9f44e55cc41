import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../../src/lake/duckdb.js';
import { refineHour } from '../../../src/lake/refine.js';
import { capsule, hour19, write } from './helpers.js';

test('refining merges an hour\'s parts into one file with one row per uuid; a late part merges into it again', async () => {
  const engine = await openEngine();
  try {
    const root = mkdtempSync(join(tmpdir(), 'el-refine-'));
    const dir = hour19(root);
    const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => capsule(from + i, { userID: from + i }));
    // A batch written twice (a replay after a crash), overlapping a second batch.
    await write(engine, root, 't-0-1-50', lines(1, 50));
    await write(engine, root, 't-0-1-40', lines(1, 40));
    await write(engine, root, 't-1-1-20', lines(41, 60));
    assert.deepEqual(await refineHour(engine, dir), { parts: 3, rows: 60 });
    assert.deepEqual(readdirSync(dir), ['data.parquet']);
    assert.deepEqual(await refineHour(engine, dir), { parts: 0, rows: 0 });

    await write(engine, root, 't-0-51-70', lines(55, 70));
    assert.deepEqual(await refineHour(engine, dir), { parts: 1, rows: 70 });
    const [counts] = await engine.all(`SELECT count(*) AS n, count(DISTINCT uuid) AS d, min(event.userID) AS lo, max(event.userID) AS hi FROM read_parquet('${join(dir, 'data.parquet')}')`);
    assert.deepEqual(counts, { n: '70', d: '70', lo: '1', hi: '70' });
  } finally {
    engine.close();
  }
});
