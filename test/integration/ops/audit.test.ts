import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../../src/cli/main.js';
import { tableName } from '../../../src/domain/table/table-mapping.js';
import { mediawikiTimestamp } from '../../../src/domain/table/table-row.js';
import { BROKERS, freshTopic, testProducer } from '../../helpers/kafka.js';
import { freshSchemaDir } from '../../helpers/capsules.js';
import { openDb } from '../../helpers/mariadb.js';
import { runInProcess } from '../../helpers/cli.js';

const MYSQL = 'mysql://root:@127.0.0.1:3306/test';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runInProcess(main, args, { env: {} });
  return { code: r.code, stdout: r.out, stderr: r.err };
}

test('audit: a bucket with missing rows exits 1 naming it; once every kept event is stored it exits 0', async () => {
  const topic = await freshTopic('el-audit', 2);
  const { dir, schema } = freshSchemaDir('Audit');
  const table = tableName(schema, 1);
  const hour = 3_600_000;
  const h1 = Math.floor(Date.now() / hour) * hour - 3 * hour;
  const h2 = h1 + hour;
  const bot = { browser_family: 'Other', device_family: 'Spider', is_bot: true, is_mediawiki: false };
  type Ev = { dtMs: number; uuid: string; userAgent: unknown; store: boolean };
  const evs: Ev[] = [];
  for (let i = 0; i < 5; i += 1) evs.push({ dtMs: h1 + i * 60_000, uuid: `a${i}`, userAgent: null, store: true });
  for (let i = 0; i < 4; i += 1) evs.push({ dtMs: h2 + i * 60_000, uuid: `b${i}`, userAgent: null, store: i < 2 });
  evs.push({ dtMs: h2 + 30 * 60_000, uuid: 'bot1', userAgent: bot, store: false });
  evs.push({ dtMs: h2 + 31 * 60_000, uuid: 'bot2', userAgent: bot, store: false });
  evs.push({ dtMs: h2 + 32 * 60_000, uuid: 'mw', userAgent: { ...bot, is_mediawiki: true }, store: true });
  evs.push({ dtMs: h1 - hour, uuid: 'early', userAgent: null, store: false }); // before --since
  const producer = testProducer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: evs.map((e, i) => ({
        partition: i % 2,
        timestamp: String(e.dtMs + 2000), // produced a little after the event happened
        value: JSON.stringify({ schema, revision: 1, dt: new Date(e.dtMs).toISOString(), uuid: e.uuid, event: { value: 'x' }, userAgent: e.userAgent, wiki: 'w', webHost: 'h', recvFrom: 'r', seqId: i }),
      })),
    });
  } finally {
    await producer.disconnect();
  }
  const db = await openDb();
  try {
    await db.query(`CREATE TABLE \`${table}\` (id BIGINT AUTO_INCREMENT PRIMARY KEY, uuid CHAR(32) UNIQUE, dt VARCHAR(32), timestamp VARCHAR(14), INDEX(timestamp)) ENGINE=InnoDB`);
    const insert = (list: Ev[]) => db.query(`INSERT INTO \`${table}\` (uuid, dt, timestamp) VALUES ?`, [list.map((e) => [e.uuid, new Date(e.dtMs).toISOString(), mediawikiTimestamp(new Date(e.dtMs).toISOString())])]);
    await insert(evs.filter((e) => e.store));
    const args = ['audit', '--brokers', BROKERS.join(','), '--topic', topic, '--mysql', MYSQL, '--since', new Date(h1).toISOString(), '--until', new Date(h2 + hour).toISOString(), '--schemas-path', dir];

    const gap = await cli(args);
    assert.equal(gap.code, 1, gap.stderr);
    const bucket2 = new Date(h2).toISOString().slice(0, 13);
    const bucket1 = new Date(h1).toISOString().slice(0, 13);
    assert.match(gap.stdout, new RegExp(`${schema}\\t1\\t${bucket1}\\t5\\t5\\t0\\tok`));
    assert.match(gap.stdout, new RegExp(`${schema}\\t1\\t${bucket2}\\t5\\t3\\t2\\tGAP`), 'bots not counted, MediaWiki bot counted, 2 rows missing');
    assert.match(gap.stderr, /bot 2/);

    const byMinute = await cli([...args, '--by', 'minute', '--json']);
    assert.equal(byMinute.code, 1);
    const report = JSON.parse(byMinute.stdout) as { gaps: number; lines: Array<{ bucket: string; gap: boolean }> };
    assert.equal(report.gaps, 2);
    const minute = (ms: number) => mediawikiTimestamp(new Date(ms).toISOString())!.slice(0, 12);
    assert.deepEqual(report.lines.filter((l) => l.gap).map((l) => l.bucket).sort(), [minute(h2 + 2 * 60_000), minute(h2 + 3 * 60_000)]);

    await insert(evs.filter((e) => !e.store && e.uuid.startsWith('b')));
    const ok = await cli(args);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.doesNotMatch(ok.stdout, /GAP/);
    assert.match(ok.stderr, /every event reached the database/);
  } finally {
    await db.query(`DROP TABLE IF EXISTS \`${table}\``);
    await db.end();
  }
});
