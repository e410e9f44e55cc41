import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hourDir, hourOf } from '../../../src/domain/lake/lake-layout.js';
import { parseAllowlist } from '../../../src/domain/table/retention.js';
import { openEngine } from '../../../src/lake/duckdb.js';
import { runLakeRetention } from '../../../src/lake/lake-retention.js';
import { capsule, write } from './helpers.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const DAY = 86_400_000;
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

test('hours past the retention period are deleted, or sanitised into event_sanitized for allow-listed schemas; younger hours stay', async () => {
  const root = mkdtempSync(join(tmpdir(), 'el-retention-'));
  const engine = await openEngine();
  try {
    // Hours ending 100 days, exactly 90 days, 89 days and one hour before now, for two schemas.
    const times = [NOW - 100 * DAY, NOW - 90 * DAY - 3_600_000, NOW - 89 * DAY, NOW - 2 * 3_600_000];
    let n = 0;
    const lines: string[] = [];
    for (const schema of ['MobileWikiAppEdit', 'ServerTiming']) {
      for (const t of times) lines.push(capsule(++n, { userID: n, action: 'secret' }, iso(t), schema), capsule(++n, { userID: n, action: 'secret' }, iso(t + 60_000), schema));
    }
    await write(engine, root, 'a', lines);
    const allowlist = parseAllowlist({ MobileWikiAppEdit_1: ['wiki', 'event_userID'] });
    const dir = (db: 'event' | 'event_sanitized', table: string, t: number) => join(root, hourDir(db, table, hourOf(iso(t))!));

    const planned = await runLakeRetention({ engine, root, days: 90, allowlist, execute: false, nowMs: NOW });
    assert.deepEqual(planned.map((h) => `${h.table} ${h.action}`).sort(), [
      'mobilewikiappedit sanitize', 'mobilewikiappedit sanitize', 'servertiming delete', 'servertiming delete',
    ]);
    // A dry run touches nothing.
    assert.ok(times.every((t) => existsSync(dir('event', 'servertiming', t))));

    const progress: string[] = [];
    await runLakeRetention({ engine, root, days: 90, allowlist, execute: true, nowMs: NOW, progress: (l) => progress.push(l) });
    assert.equal(progress.length, 4);
    for (const table of ['mobilewikiappedit', 'servertiming']) {
      assert.deepEqual(times.map((t) => existsSync(dir('event', table, t))), [false, false, true, true], table);
    }
    assert.deepEqual(times.map((t) => existsSync(dir('event_sanitized', 'servertiming', t))), [false, false, false, false]);
    assert.deepEqual(times.map((t) => existsSync(dir('event_sanitized', 'mobilewikiappedit', t))), [true, true, false, false]);
    const kept = await engine.all(`SELECT * FROM read_parquet('${join(root, 'event_sanitized/mobilewikiappedit/*/*/*/*/*.parquet')}', hive_partitioning = false) ORDER BY uuid`);
    assert.equal(kept.length, 4);
    assert.deepEqual(Object.keys(kept[0]!).sort(), ['dt', 'event', 'revision', 'schema', 'uuid', 'wiki']);
    assert.deepEqual(kept[0]!.event, { userID: '1' });
  } finally {
    engine.close();
  }
});
