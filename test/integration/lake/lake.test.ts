import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROKERS, committedTotal, freshTopic, produceLines, resetGroupToEarliest, uniqueName } from '../../helpers/kafka.js';
import { buildCli } from '../../helpers/daemon.js';
import { until } from '../../helpers/wait.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/eventlogging');

before(() => buildCli());

/** A schema repository with the seeds' example schema and a second one. */
function schemaDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'el-lake-schemas-'));
  const write = (name: string, properties: Record<string, unknown>) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, '1.json'), JSON.stringify({ type: 'object', properties }));
  };
  write('MobileWikiAppEdit', { userID: { type: 'integer' }, action: { type: 'string' } });
  // Draft-03, as the original's schemas were: required inside the property.
  write('ServerTiming', { description: { type: 'string', required: true }, duration: { type: 'number' } });
  return dir;
}

let seq = 0;
const uuidOf = (n: number) => n.toString(16).padStart(32, '0');

interface Sent {
  readonly uuid: string;
  readonly table: string;
  readonly hour: number;
  readonly userID?: number | null;
}

/** Capsules of the two schemas over hours 17-19 of 2017-11-20, and a few EventErrors. */
function events(count: number, hours: readonly number[]): { lines: string[]; sent: Sent[] } {
  const lines: string[] = [];
  const sent: Sent[] = [];
  for (let i = 0; i < count; i += 1) {
    const n = ++seq;
    // Blocks of seven, so that every table (chosen by n below) gets every hour.
    const hour = hours[Math.floor(i / 7) % hours.length]!;
    const dt = `2017-11-20T${String(hour)}:${String(n % 60).padStart(2, '0')}:07Z`;
    const uuid = uuidOf(n);
    if (n % 10 === 0) {
      lines.push(JSON.stringify({
        schema: 'EventError', revision: 1, wiki: 'enwiki', uuid: `00000000-0000-5000-8000-${n.toString(16).padStart(12, '0')}`, recvFrom: 'p1', dt,
        event: { code: 'validation', errorCode: 'EL_VALIDATION_FAILED', message: 'bad', rawEvent: '?{}', schema: 'MobileWikiAppEdit', revision: 1, topic: 'raw', partition: 0, offset: n },
      }));
      sent.push({ uuid: `00000000-0000-5000-8000-${n.toString(16).padStart(12, '0')}`, table: 'eventerror', hour });
    } else if (n % 3 === 0) {
      lines.push(JSON.stringify({ schema: 'ServerTiming', revision: 1, wiki: 'enwiki', webHost: 'en.wikipedia.org', recvFrom: 'cp1', seqId: n, dt, uuid, ip: '198.51.100.7', userAgent: null, event: { description: 'edge', duration: n / 2 } }));
      sent.push({ uuid, table: 'servertiming', hour });
    } else {
      const userID = n % 7 === 0 ? null : 100 + (n % 4);
      lines.push(JSON.stringify({
        schema: 'MobileWikiAppEdit', revision: 1, wiki: 'enwiki', webHost: 'en.m.wikipedia.org', recvFrom: 'cp1', seqId: n, dt, uuid, ip: '198.51.100.7',
        userAgent: { browser_family: 'Chrome', browser_major: '120', browser_minor: null, os_family: 'Android', os_major: '14', os_minor: null, device_family: 'Phone', wmf_app_version: '-', is_bot: false, is_mediawiki: false },
        event: userID === null ? { action: 'saved' } : { userID, action: 'saved' },
      }));
      sent.push({ uuid, table: 'mobilewikiappedit', hour, userID });
    }
  }
  return { lines, sent };
}

function startLake(topic: string, group: string, lake: string, schemas: string): ChildProcess {
  return spawn(process.execPath, [bin, 'lake', '--schemas-path', schemas, '--batch-rows', '40', '--batch-seconds', '1', '--refine-delay', '0', '--refine-every', '1',
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${group}`, `file://${lake}`], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill(signal);
  await exited;
}

function query(lake: string, sql: string): Record<string, unknown>[] {
  const r = spawnSync(process.execPath, [bin, 'query', '--lake', lake, '--json', sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Part files (not yet refined) anywhere in the lake. */
function partFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.startsWith('part-') && e.name.endsWith('.parquet')) n += 1;
  return n;
}

test('events end up exactly once in refined hours after a SIGKILL mid-stream, late events and a replay from the beginning; the seeds\' Hive query runs unchanged', { timeout: 240_000 }, async () => {
  const topic = await freshTopic('el-lake', 2);
  const group = uniqueName('el-lake-group');
  const lake = mkdtempSync(join(tmpdir(), 'el-lake-'));
  const schemas = schemaDir();
  const first = events(600, [17, 18, 19]);
  await produceLines(topic, first.lines.slice(0, 300), 0);
  await produceLines(topic, first.lines.slice(300), 1);

  // Killed while it writes: some part files exist, not every offset is committed.
  const late = events(30, [17]);
  let lakeProcess = startLake(topic, group, lake, schemas);
  try {
    await until(() => partFiles(lake) > 0 || readdirSync(lake, { recursive: true }).some((f) => String(f).endsWith('data.parquet')), 60_000, 'a first file written');
    await stop(lakeProcess, 'SIGKILL');
    const committedAtKill = await committedTotal(group, topic);
    assert.ok(committedAtKill < 600, `killed mid-stream (${committedAtKill} of 600 committed)`);

    lakeProcess = startLake(topic, group, lake, schemas);
    await until(async () => (await committedTotal(group, topic)) === 600, 90_000, 'all 600 offsets committed after the restart');
    await until(() => partFiles(lake) === 0, 30_000, 'every hour refined');

    // Late events for hour 17, already refined: the hour opens again and is refined again.
    await produceLines(topic, late.lines, 0);
    await until(async () => (await committedTotal(group, topic)) === 630, 60_000, 'late events committed');
    await until(() => partFiles(lake) === 0, 30_000, 'hour 17 refined again');
    await stop(lakeProcess);

    // A replay of the whole topic writes every row again; refining keeps one per uuid.
    await resetGroupToEarliest(group, topic);
    lakeProcess = startLake(topic, group, lake, schemas);
    await until(async () => (await committedTotal(group, topic)) === 630, 90_000, 'the replay committed');
    await until(() => partFiles(lake) === 0, 30_000, 'replayed hours refined');
  } finally {
    await stop(lakeProcess);
  }

  const sent = [...first.sent, ...late.sent];
  for (const table of ['mobilewikiappedit', 'servertiming', 'eventerror']) {
    const expected = sent.filter((s) => s.table === table);
    const [counts] = query(lake, `SELECT count(*) AS n, count(DISTINCT uuid) AS d FROM event.${table}`);
    assert.deepEqual(counts, { n: String(expected.length), d: String(expected.length) }, table);
    // The runbook's hourly count, on the lake's partitions.
    const hourly = query(lake, `SELECT hour, count(*) AS n FROM event.${table} WHERE year = 2017 AND month = 11 AND day = 20 GROUP BY hour ORDER BY hour`);
    assert.deepEqual(hourly, [17, 18, 19].map((h) => ({ hour: String(h), n: String(expected.filter((s) => s.hour === h).length) })).filter((r) => r.n !== '0'), `${table} per hour`);
  }
  const rows = query(lake, 'SELECT uuid FROM event.MobileWikiAppEdit UNION ALL SELECT uuid FROM event.ServerTiming UNION ALL SELECT uuid FROM event.eventerror');
  assert.deepEqual(rows.map((r) => r.uuid).sort(), sent.map((s) => s.uuid).sort());

  // The seeds' first example, unchanged.
  const seeds = query(lake, `SELECT
  event.userID,
  count(*) as cnt
FROM
  event.MobileWikiAppEdit
WHERE
  year = 2017 AND month = 11 AND day = 20 AND hour = 19
GROUP BY event.userID
ORDER BY cnt DESC
LIMIT 10;`);
  assert.ok(seeds.length >= 3, JSON.stringify(seeds));
  const byUser = new Map<string, number>();
  for (const s of sent) if (s.table === 'mobilewikiappedit' && s.hour === 19) byUser.set(String(s.userID ?? null), (byUser.get(String(s.userID ?? null)) ?? 0) + 1);
  assert.deepEqual(
    new Map(seeds.map((r) => [String(r.userID ?? null), Number(r.cnt)])),
    byUser,
  );
  // The client address is not in the lake.
  const columns = query(lake, "SELECT column_name FROM information_schema.columns WHERE table_name = 'mobilewikiappedit'").map((r) => r.column_name);
  assert.ok(columns.includes('uuid') && columns.includes('event') && !columns.includes('ip'), columns.join());
  // Retention, dry run: every hour of 2017 is past 90 days and would be deleted (no allow list); nothing is touched.
  const purge = spawnSync(process.execPath, [bin, 'purge', '--lake', lake, '--json'], { encoding: 'utf8' });
  assert.equal(purge.status, 0, purge.stderr);
  const plan = JSON.parse(purge.stdout) as { execute: boolean; hours: Array<{ table: string; action: string }> };
  assert.equal(plan.execute, false);
  assert.deepEqual(plan.hours.map((h) => `${h.table} ${h.action}`).sort(), [...new Set(sent.map((s) => `${s.table} ${s.hour}`))].map((k) => `${k.split(' ')[0]} delete`).sort());
  assert.equal(plan.hours.length, 9);
  assert.equal(query(lake, 'SELECT count(*) AS n FROM event.eventerror')[0]!.n, String(sent.filter((s) => s.table === 'eventerror').length));
  const refused = spawnSync(process.execPath, [bin, 'query', '--lake', lake, 'SELECT nothing FROM event.nosuchschema'], { encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /nosuchschema/);
  const [error] = query(lake, "SELECT event.code, event.errorCode FROM event.eventerror WHERE event.schema LIKE 'MobileWikiApp%' AND year = 2017 LIMIT 1");
  assert.deepEqual(error, { code: 'validation', errorCode: 'EL_VALIDATION_FAILED' });
});
