import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../../src/lake/duckdb.js';
import { linesAt, writeBatchFiles } from '../../../src/lake/batch-writer.js';
import { COLUMNS, batchLines, capsule, hour19, write } from './helpers.js';

test('a batch becomes one Parquet file per table, revision and hour, typed by its schema; a value that does not fit its type is NULL', async () => {
  const engine = await openEngine();
  const root = mkdtempSync(join(tmpdir(), 'el-batch-'));
  try {
    const written = await write(engine, root, 'raw-0-1-4', [
      capsule(1, { userID: 333, action: 'a', tags: ['x', 'y'], blob: { k: [1] } }),
      capsule(2, { userID: 'three', action: 'b' }),
      capsule(3, { userID: 5 }, '2017-11-20T20:00:00Z'),
      capsule(4, { userID: 6 }, '2017-11-20T19:59:59.5Z', 'Other'),
    ]);
    assert.deepEqual([...written.rows], [['mobilewikiappedit', 3], ['other', 1]]);
    assert.deepEqual([...written.rejected], []);
    assert.deepEqual(written.files.map((f) => `${f.table} ${f.hour.hour}`).sort(), ['mobilewikiappedit 19', 'mobilewikiappedit 20', 'other 19']);
    assert.deepEqual(readdirSync(hour19(root)), ['part-raw-0-1-4-r1-0.parquet']);
    // Nothing staged is left behind.
    assert.deepEqual(readdirSync(join(root, '.staging')), []);
    const rows = await engine.all(`SELECT uuid, dt, event, userAgent.browser_family AS browser, typeof(event) AS t FROM read_parquet('${hour19(root)}/*.parquet') ORDER BY uuid`);
    assert.deepEqual(rows[0]!.event, { userID: '333', action: 'a', tags: ['x', 'y'], blob: '{"k":[1]}' });
    assert.deepEqual(rows[1]!.event, { userID: null, action: 'b', tags: null, blob: null });
    assert.equal(rows[0]!.dt, '2017-11-20 19:01:00');
    assert.equal(rows[0]!.browser, 'Firefox');
    assert.match(String(rows[0]!.t), /^STRUCT\(userID BIGINT, "action" VARCHAR, tags VARCHAR\[\], blob JSON\)$/);
    const columns = (await engine.all(`DESCRIBE SELECT * FROM read_parquet('${hour19(root)}/*.parquet', hive_partitioning = false)`)).map((c) => c.column_name);
    assert.ok(!columns.includes('ip') && !columns.includes('year'), columns.join());
  } finally {
    engine.close();
  }
});

test('records that cannot be rows are counted by code and never written, whatever they hold', async () => {
  const engine = await openEngine();
  const root = mkdtempSync(join(tmpdir(), 'el-batch-'));
  try {
    const good = JSON.parse(capsule(1, { userID: 1 })) as Record<string, unknown>;
    const bad = [
      'not json', '[1,2]', '"text"', JSON.stringify({ ...good, schema: 'a b' }), JSON.stringify({ ...good, revision: 0 }),
      JSON.stringify({ ...good, uuid: 'x' }), JSON.stringify({ ...good, dt: '2017-11-20T19:00:00+02:00' }), JSON.stringify({ ...good, dt: 'soon' }),
      JSON.stringify({ ...good, event: [] }), JSON.stringify({ ...good, schema: 'NoSuchSchema' }),
    ];
    const written = await writeBatchFiles(engine, root, 'raw-0-0-10', batchLines([...bad, JSON.stringify(good)]), async (schema) => (schema === 'NoSuchSchema' ? undefined : COLUMNS));
    assert.deepEqual([...written.rows], [['mobilewikiappedit', 1]]);
    assert.deepEqual(Object.fromEntries(written.rejected), { EL_SCHEMA_NOT_FOUND: 1, EL_VALIDATION_FAILED: 9 });
    // Each one found again, with its line, for its EventError.
    assert.deepEqual(written.rejectedLines.map((r) => [r.line, r.errorCode, r.raw]), bad.map((raw, i) => [i, i === 9 ? 'EL_SCHEMA_NOT_FOUND' : 'EL_VALIDATION_FAILED', raw]));
    assert.deepEqual([written.rejectedLines[9]!.schema, written.rejectedLines[9]!.revision], ['NoSuchSchema', 1]);
  } finally {
    engine.close();
  }
});

test('a batch spanning more hours than it writes file by file is written by one partitioned write, to the same files', async () => {
  const engine = await openEngine();
  const root = mkdtempSync(join(tmpdir(), 'el-batch-'));
  try {
    // Six hours of one schema (a replay of old events), and two of another.
    const lines = Array.from({ length: 12 }, (_, i) => capsule(i + 1, { userID: i }, `2017-11-20T${String(10 + (i % 6)).padStart(2, '0')}:00:0${i % 10}Z`));
    lines.push(capsule(20, { userID: 20 }, '2017-11-20T10:30:00Z', 'Other'), capsule(21, { userID: 21 }, '2017-11-20T11:30:00Z', 'Other'));
    const written = await write(engine, root, 'raw-0-1-14', lines);
    assert.deepEqual([...written.rows], [['mobilewikiappedit', 12], ['other', 2]]);
    assert.deepEqual(written.files.map((f) => `${f.table} ${f.hour.hour} ${f.path.slice(f.path.lastIndexOf('/') + 1)}`).sort(), [
      ...[10, 11, 12, 13, 14, 15].map((h) => `mobilewikiappedit ${h} part-raw-0-1-14-r1-0.parquet`),
      'other 10 part-raw-0-1-14-r1-0.parquet', 'other 11 part-raw-0-1-14-r1-0.parquet',
    ].sort());
    const perHour = await engine.all(`SELECT hour, count(*) AS n, count(DISTINCT uuid) AS u FROM read_parquet('${root}/event/mobilewikiappedit/*/*/*/*/*.parquet', hive_partitioning = true) GROUP BY hour ORDER BY hour`);
    assert.deepEqual(perHour.map((r) => [Number(r.hour), Number(r.n), Number(r.u)]), [10, 11, 12, 13, 14, 15].map((h) => [h, 2, 2]));
    const columns = (await engine.all(`DESCRIBE SELECT * FROM read_parquet('${root}/event/mobilewikiappedit/year=2017/month=11/day=20/hour=10/*.parquet', hive_partitioning = false)`)).map((c) => c.column_name);
    assert.ok(!columns.includes('year') && !columns.includes('hour'), columns.join());
    assert.deepEqual(readdirSync(join(root, '.staging')), []);
  } finally {
    engine.close();
  }
});

test('schemas that share a table (names differing only in case) get files of their own in one batch: no row is overwritten', async () => {
  const engine = await openEngine();
  const root = mkdtempSync(join(tmpdir(), 'el-batch-'));
  try {
    const written = await write(engine, root, 'raw-0-1-3', [
      capsule(1, { userID: 1 }, undefined, 'MobileWikiAppEdit'), capsule(2, { userID: 2 }, undefined, 'mobilewikiappedit'), capsule(3, { userID: 3 }, undefined, 'MobileWikiAppEdit'),
    ]);
    assert.deepEqual([...written.rows], [['mobilewikiappedit', 3]]);
    assert.deepEqual(readdirSync(hour19(root)).sort(), ['part-raw-0-1-3-r1-0.parquet', 'part-raw-0-1-3-r1-s1-0.parquet']);
    const [count] = await engine.all(`SELECT count(DISTINCT uuid) AS n FROM read_parquet('${hour19(root)}/*.parquet')`);
    assert.equal(Number(count!.n), 3);
  } finally {
    engine.close();
  }
});

test('lines found again are those the load left out, in a batch of many lines and chunks', async () => {
  const engine = await openEngine();
  const root = mkdtempSync(join(tmpdir(), 'el-batch-'));
  try {
    const lines = Array.from({ length: 3000 }, (_, i) => (i % 97 === 5 ? `{"broken": ${i}` : capsule(i + 1, { userID: i })));
    const batch = batchLines(lines);
    const written = await writeBatchFiles(engine, root, 'raw-0-0-3000', { ...batch, chunks: splitChunks(batch.chunks) }, async () => COLUMNS);
    const expected = lines.flatMap((l, i) => (i % 97 === 5 ? [[i, l]] : []));
    assert.deepEqual(written.rejectedLines.map((r) => [r.line, r.raw]), expected);
    assert.equal(linesAt(batch.chunks, [0, 2999]).length, 2);
  } finally {
    engine.close();
  }
});

/** The same bytes cut into chunks of whole lines, a few hundred lines each. */
function splitChunks(chunks: readonly Uint8Array[]): Uint8Array[] {
  const all = Buffer.concat(chunks);
  const out: Uint8Array[] = [];
  for (let start = 0; start < all.length;) {
    let end = all.indexOf(10, Math.min(all.length - 1, start + 50_000));
    end = end === -1 ? all.length : end + 1;
    out.push(all.subarray(start, end));
    start = end;
  }
  assert.ok(out.length > 3);
  return out;
}

test('a folder removed between batches (retention, by hand) is made again; sizes are the files\' own', async () => {
  const engine = await openEngine();
  const root = mkdtempSync(join(tmpdir(), 'el-batch-'));
  try {
    const first = await write(engine, root, 'raw-0-1-1', [capsule(1, { userID: 1 })]);
    assert.deepEqual(first.files.map((f) => f.bytes), first.files.map((f) => statSync(f.path).size));
    rmSync(join(root, 'event'), { recursive: true });
    rmSync(join(root, '.staging'), { recursive: true });
    const second = await write(engine, root, 'raw-0-2-2', [capsule(2, { userID: 2 })]);
    assert.deepEqual(readdirSync(hour19(root)), ['part-raw-0-2-2-r1-0.parquet']);
    assert.deepEqual(second.files.map((f) => f.bytes), [statSync(join(hour19(root), 'part-raw-0-2-2-r1-0.parquet')).size]);
    assert.deepEqual(readdirSync(join(root, '.staging')), []);
  } finally {
    engine.close();
  }
});
