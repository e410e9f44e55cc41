import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { main } from '../../../src/cli/main.js';
import { freshTableName, openDb } from '../../helpers/mariadb.js';
import { runInProcess } from '../../helpers/cli.js';

const MYSQL = 'mysql://root:@127.0.0.1:3306/test';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runInProcess(main, args, { env: {} });
  return { code: r.code, stdout: r.out, stderr: r.err };
}

const ddl = (table: string) => `CREATE TABLE \`${table}\` (
  id BIGINT AUTO_INCREMENT PRIMARY KEY, uuid CHAR(32) UNIQUE, dt VARCHAR(32), timestamp VARCHAR(14), wiki VARCHAR(64),
  webHost VARCHAR(255), userAgent TEXT, event_action VARCHAR(1024), \`event_page.title\` VARCHAR(1024), INDEX (timestamp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

async function fill(db: Awaited<ReturnType<typeof openDb>>, table: string, oldRows: number, newRows: number): Promise<void> {
  const rows: unknown[][] = [];
  for (let i = 0; i < oldRows + newRows; i += 1) {
    const old = i < oldRows;
    rows.push([`${table.slice(-8)}${String(i).padStart(24, '0')}`, old ? '2020-01-01T00:00:00Z' : '2026-11-20T00:00:00Z',
      old ? '20200101000000' : '20261120000000', 'enwiki', 'en.wikipedia.org', '{"browser_family":"Firefox"}', `act${i}`, `Title ${i}`]);
  }
  await db.query(`INSERT INTO \`${table}\` (uuid, dt, timestamp, wiki, webHost, userAgent, event_action, \`event_page.title\`) VALUES ?`, [rows]);
}

test('purge: dry run changes nothing; --execute deletes old rows and sanitises allow-listed tables in batches', async () => {
  const db = await openDb();
  const plain = `${freshTableName('PurgePlain')}_1`;
  const kept = `${freshTableName('PurgeKept')}_1`;
  try {
    await db.query(ddl(plain));
    await db.query(ddl(kept));
    await fill(db, plain, 25, 5);
    await fill(db, kept, 12, 3);
    const dir = mkdtempSync(join(tmpdir(), 'el-purge-'));
    const allow = join(dir, 'allow.yaml');
    writeFileSync(allow, `${kept.replace(/_1$/, '')}:\n  - wiki\n  - event_action\n`);
    const only = `--tables=^(${plain}|${kept})$`;

    const dry = await cli(['purge', '--mysql', MYSQL, '--allowlist', allow, only, '--days', '90']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`${plain}\\tdelete\\t25 rows would be affected`));
    assert.match(dry.stdout, new RegExp(`${kept}\\tsanitize \\(NULL: dt, webHost, userAgent, event_page.title\\)\\t12 rows would be affected`));
    assert.match(dry.stderr, /dry run/);
    const [[countPlain]] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${plain}\``);
    assert.equal(Number(countPlain!.n), 30, 'dry run deleted nothing');
    const [[nullsKept]] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${kept}\` WHERE dt IS NULL`);
    assert.equal(Number(nullsKept!.n), 0, 'dry run nulled nothing');

    const run = await cli(['purge', '--mysql', MYSQL, '--allowlist', allow, only, '--batch', '10', '--execute']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`${plain}\\tdelete\\t25 rows affected`));
    assert.match(run.stdout, new RegExp(`${kept}\\tsanitize .*\\t12 rows affected`));
    assert.match(run.stderr, new RegExp(`${plain}: deleted 10/25 rows`), 'progress per batch');
    const [left] = await db.query<RowDataPacket[]>(`SELECT timestamp FROM \`${plain}\``);
    assert.deepEqual(left.map((r) => r.timestamp), Array(5).fill('20261120000000'));
    const [rows] = await db.query<RowDataPacket[]>(`SELECT * FROM \`${kept}\` ORDER BY id`);
    assert.equal(rows.length, 15, 'allow-listed rows are kept');
    for (const row of rows) {
      const old = row.timestamp === '20200101000000';
      assert.ok(row.id && row.uuid && row.timestamp && row.wiki === 'enwiki' && String(row.event_action).startsWith('act'), 'listed and identity columns kept');
      for (const col of ['dt', 'webHost', 'userAgent', 'event_page.title']) {
        assert.equal(row[col] === null, old, `${col} of ${old ? 'an old' : 'a new'} row`);
      }
    }

    // A re-run finds nothing left to do (resumable: it only touches what is still pending).
    const again = await cli(['purge', '--mysql', MYSQL, '--allowlist', allow, only, '--execute', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout) as { tables: Array<{ table: string; pending: number }> };
    assert.deepEqual(report.tables.map((t) => [t.table, t.pending]).sort(), [[kept, 0], [plain, 0]].sort());
  } finally {
    await db.query(`DROP TABLE IF EXISTS \`${plain}\`, \`${kept}\``);
    await db.end();
  }
});

test('purge: usage mistakes exit 2', async () => {
  assert.equal((await cli(['purge'])).code, 2);
  assert.equal((await cli(['purge', '--mysql', MYSQL, '--days', 'x'])).code, 2);
  const help = await cli(['purge', '--help']);
  assert.match(help.stdout, /--allowlist/);
});
