import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { main } from '../../../src/cli/main.js';
import { freshTableName, openDb } from '../../helpers/mariadb.js';
import { runInProcess } from '../../helpers/cli.js';
import { tableOwnerComment } from '../../../src/domain/table/table-ddl.js';
import { tableName } from '../../../src/domain/table/table-mapping.js';

const MYSQL = 'mysql://root:@127.0.0.1:3306/test';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runInProcess(main, args, { env: {} });
  return { code: r.code, stdout: r.out, stderr: r.err };
}

/**
 * An event table as the consumer writes it: its named keys and, unless `comment` is undefined
 * (a table of an earlier version), the owner comment.
 */
const ddl = (table: string, comment?: string) => `CREATE TABLE \`${table}\` (
  id BIGINT AUTO_INCREMENT PRIMARY KEY, uuid CHAR(32), dt VARCHAR(32), timestamp VARCHAR(14), wiki VARCHAR(64),
  webHost VARCHAR(255), userAgent TEXT, event_action VARCHAR(1024), \`event_page.title\` VARCHAR(1024),
  UNIQUE KEY ix_uuid (uuid), KEY ix_timestamp (timestamp)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4${comment === undefined ? '' : ` COMMENT='${comment}'`}`;

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
  // A table of an earlier version (no owner comment), and one whose schema name has a dot.
  const plain = `${freshTableName('PurgePlain')}_1`;
  // 60 characters with a dot: its table name is shortened (hash suffix) past 64 characters,
  // so only the owner comment can tell purge which schema it holds.
  const keptSchema = `${freshTableName('PurgeKept').slice(0, 40)}.v2`.padEnd(60, 'x');
  const kept = tableName(keptSchema, 1);
  // Not ours, although its name ends in digits and it has id and timestamp columns.
  const foreign = `${freshTableName('users')}_2024`;
  try {
    await db.query(ddl(plain));
    assert.notEqual(kept.replace(/_1_[0-9a-f]{8}$/, ''), keptSchema.replace(/[^A-Za-z0-9_]/g, '_'), 'the table name is shortened');
    await db.query(ddl(kept, tableOwnerComment(keptSchema, 1)));
    await db.query(`CREATE TABLE \`${foreign}\` (id BIGINT PRIMARY KEY, timestamp VARCHAR(14), name TEXT)`);
    await db.query(`INSERT INTO \`${foreign}\` VALUES (1, '20200101000000', 'old user')`);
    await fill(db, plain, 25, 5);
    await fill(db, kept, 12, 3);
    const dir = mkdtempSync(join(tmpdir(), 'el-purge-'));
    const allow = join(dir, 'allow.yaml');
    // The allow list names the schema as the schema repository does, dot and all.
    writeFileSync(allow, `${keptSchema}:\n  - wiki\n  - event_action\n`);
    const only = `--tables=^(${plain}|${kept}|${foreign})$`;

    // A typo in the allow list is reported, the dry run exits 1, and --execute purges nothing.
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, `${keptSchema}:\n  - wiki\n  - event_acton\n${keptSchema}x:\n  - wiki\n`);
    const typoDry = await cli(['purge', '--mysql', MYSQL, '--allowlist', typo, only]);
    assert.equal(typoDry.code, 1, typoDry.stderr);
    assert.match(typoDry.stderr, /column "event_acton" is in none of its tables/);
    assert.match(typoDry.stderr, /matches no event table or schema/);
    const typoRun = await cli(['purge', '--mysql', MYSQL, '--allowlist', typo, only, '--execute']);
    assert.equal(typoRun.code, 2, typoRun.stderr);
    const [[untouched]] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${plain}\``);
    assert.equal(Number(untouched!.n), 30, 'a refused run deleted nothing');

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
    assert.doesNotMatch(run.stdout, new RegExp(foreign), 'a table that is not ours is not planned');
    const [[foreignRows]] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${foreign}\``);
    assert.equal(Number(foreignRows!.n), 1);
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
    await db.query(`DROP TABLE IF EXISTS \`${plain}\`, \`${kept}\`, \`${foreign}\``);
    await db.end();
  }
});

test('purge: usage mistakes exit 2', async () => {
  assert.equal((await cli(['purge'])).code, 2);
  assert.equal((await cli(['purge', '--mysql', MYSQL, '--days', 'x'])).code, 2);
  const help = await cli(['purge', '--help']);
  assert.match(help.stdout, /--allowlist/);
});
