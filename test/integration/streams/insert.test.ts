import { test } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, toArray } from 'rxjs';
import fc from 'fast-check';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createDatabase } from '../../../src/adapters/mysql/database.js';
import { insert, type InsertItem, type Rejected } from '../../../src/streams/insert.js';
import { tableFor } from '../../../src/domain/table/table-mapping.js';
import { createTableDdl } from '../../../src/domain/table/table-ddl.js';
import { rowFor } from '../../../src/domain/table/table-row.js';
import { parseUri, type MysqlUri } from '../../../src/domain/config/uri.js';
import { openDb, freshTableName } from '../../helpers/mariadb.js';

const logger = pino({ level: 'silent' });
const uri = parseUri('mysql://root:@127.0.0.1:3306/test') as MysqlUri;
const schema = { type: 'object', properties: { action: { type: 'string' }, count: { type: 'integer' } } };

function items(table: ReturnType<typeof tableFor>, n: number, start = 0): InsertItem[] {
  return Array.from({ length: n }, (_, i) => {
    const capsule = { event: { action: `a${start + i}`, count: start + i }, uuid: (start + i).toString(16).padStart(32, '0'), dt: '2026-11-23T10:00:00Z', wiki: 'enwiki' };
    return { kind: 'row', offset: start + i, table, row: rowFor(capsule, table), raw: JSON.stringify(capsule) } as const;
  });
}

async function run(table: ReturnType<typeof tableFor>, input: InsertItem[], rejectedOut: Rejected[]) {
  const db = createDatabase({ uri, logger, registry: new Registry(), role: 'test' });
  const stats = { inserted: 0, duplicates: 0 };
  try {
    const marks = await lastValueFrom(from(input).pipe(
      insert({
        db, logger, batchSize: 100, batchTimeMs: 50, mode: 'skip-duplicates',
        ensureTable: async (t) => { await db.query(createTableDdl(t)); },
        reject: async (r) => { rejectedOut.push(...r); },
        onInserted: (_t, i, d) => { stats.inserted += i; stats.duplicates += d; },
      }),
      toArray(),
    ));
    return { marks, stats };
  } finally {
    await db.close();
  }
}

test('rows are inserted once; a replay of the same events inserts nothing and counts duplicates', async () => {
  const name = freshTableName('Insert');
  const table = tableFor(name, 1, schema);
  const conn = await openDb();
  try {
    const rejected: Rejected[] = [];
    const first = await run(table, items(table, 250), rejected);
    assert.equal(first.stats.inserted, 250);
    assert.equal(first.stats.duplicates, 0);
    assert.equal(first.marks.reduce((n, m) => n + m.count, 0), 250, 'every record completed');
    assert.equal(first.marks.at(-1)!.offset, 249);
    const replay = await run(table, items(table, 250), rejected);
    assert.equal(replay.stats.inserted, 0);
    assert.equal(replay.stats.duplicates, 250);
    const [rows] = await conn.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT uuid) AS u FROM \`${table.name}\``);
    assert.deepEqual((rows as Array<{ n: number; u: number }>)[0], { n: 250, u: 250 });
    assert.deepEqual(rejected, []);
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table.name}\``);
    await conn.end();
  }
});

test('one poison row in a batch: the good rows are stored, the bad one is rejected with the database message', async () => {
  const name = freshTableName('Poison');
  const table = tableFor(name, 1, schema);
  const conn = await openDb();
  try {
    const input = items(table, 100);
    // A string longer than the VARCHAR(1024) column: strict mode refuses it instead of truncating.
    const bad = { event: { action: 'x'.repeat(5000), count: 1 }, uuid: 'f'.repeat(32), dt: '2026-11-23T10:00:00Z' };
    input.splice(37, 1, { kind: 'row', offset: 37, table, row: rowFor(bad, table), raw: JSON.stringify(bad) });
    const rejected: Rejected[] = [];
    const { stats, marks } = await run(table, input, rejected);
    assert.equal(stats.inserted, 99);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.offset, 37);
    assert.match(rejected[0]!.message, /too long/i);
    assert.equal(marks.reduce((n, m) => n + m.count, 0), 100);
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table.name}\``);
    assert.equal((rows as Array<{ n: number }>)[0]!.n, 99);
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table.name}\``);
    await conn.end();
  }
});

test('values holding every character MySQL escapes read back exactly as they were written', async () => {
  const name = freshTableName('Escapes');
  const table = tableFor(name, 1, schema);
  const conn = await openDb();
  const fixed = ['\0', '\b', '\t', '\n', '\r', '\x1a', '"', "'", '\\', "\\'", "'\\", '?', '??', '`x`', "x'); DROP TABLE t; --", 'é😀中', '\\\\\\', '', ' '];
  // Well-formed strings only: a lone surrogate has no UTF-8 form, whatever the escaping.
  const generated = fc.sample(fc.string({ unit: fc.constantFrom('\0', '\b', '\t', '\n', '\r', '\x1a', '"', "'", '\\', '?', 'a', 'é', '😀'), maxLength: 40 }), { numRuns: 200, seed: 20261124 });
  const actions = [...fixed, ...generated];
  try {
    const input: InsertItem[] = actions.map((action, i) => {
      const capsule = { event: { action, count: i - 100 }, uuid: i.toString(16).padStart(32, '0'), dt: '2026-11-24T10:00:00Z', userAgent: { raw: action } };
      return { kind: 'row', offset: i, table, row: rowFor(capsule, table), raw: JSON.stringify(capsule) };
    });
    const rejected: Rejected[] = [];
    const { stats } = await run(table, input, rejected);
    assert.deepEqual(rejected, []);
    assert.equal(stats.inserted, actions.length);
    const [rows] = await conn.query(`SELECT event_action AS a, event_count AS c, userAgent AS u FROM \`${table.name}\` ORDER BY uuid`);
    const back = rows as Array<{ a: string; c: string | number; u: string }>;
    assert.equal(back.length, actions.length);
    back.forEach((row, i) => {
      assert.equal(row.a, actions[i], `action ${i}`);
      assert.equal(Number(row.c), i - 100);
      assert.deepEqual(JSON.parse(row.u), { raw: actions[i] });
    });
  } finally {
    await conn.query(`DROP TABLE IF EXISTS \`${table.name}\``);
    await conn.end();
  }
});
