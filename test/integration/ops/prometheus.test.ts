import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import yaml from 'js-yaml';
import { tableName } from '../../../src/domain/table/table-mapping.js';
import { BROKERS, freshTopic, produceLines, uniqueName } from '../../helpers/kafka.js';
import { freshSchemaDir, testCapsules } from '../../helpers/capsules.js';
import { openDb } from '../../helpers/mariadb.js';
import { until } from '../../helpers/wait.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/eventlogging');

before(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  assert.equal(r.status, 0, 'build');
});

/** A free loopback port: Prometheus cannot listen on port 0 and tell us which one it got. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<number | null> {
  if (!child || child.exitCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

interface PromResult { status: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } }

test('a real Prometheus scraping the daemon sees a non-zero MySQL insert rate, with our alert rules loaded', async () => {
  const topic = await freshTopic('el-prom', 1);
  const { dir: schemas, schema } = freshSchemaDir('Prom');
  const table = tableName(schema, 1);
  const work = mkdtempSync(join(tmpdir(), 'el-prom-'));
  mkdirSync(join(work, 'config', 'consumers'), { recursive: true });
  writeFileSync(join(work, 'config', 'consumers', 'mysql-00'), [
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${uniqueName('el-prom-group')}`,
    'mysql://root:@127.0.0.1:3306/test?batch_size=5&batch_time=0.2',
    '--schemas-path', schemas,
  ].join('\n'));

  let daemon: ChildProcess | undefined;
  let prometheus: ChildProcess | undefined;
  const daemonErr: string[] = [];
  const promErr: string[] = [];
  try {
    daemon = spawn(bin, ['run', '--config-dir', join(work, 'config'), '--admin', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stderr!.on('data', (d) => daemonErr.push(String(d)));
    let admin: string | undefined;
    createInterface({ input: daemon.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { admin?: string };
        if (entry.admin) admin = entry.admin;
      } catch { /* not a log line */ }
    });
    await until(() => admin !== undefined, 20_000, 'the admin address in the log');
    await until(async () => (await fetch(`http://${admin}/readyz`)).status === 200, 30_000, 'the daemon ready');

    // Our example config, pointed at this daemon and scraping every second.
    const config = yaml.load(readFileSync(join(root, 'ops/prometheus/prometheus.yml'), 'utf8')) as {
      global: Record<string, string>; scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    config.global.scrape_interval = '1s';
    config.global.evaluation_interval = '1s';
    config.scrape_configs[0]!.static_configs[0]!.targets = [admin!];
    writeFileSync(join(work, 'prometheus.yml'), yaml.dump(config));
    copyFileSync(join(root, 'ops/prometheus/alerts.yml'), join(work, 'alerts.yml'));
    const port = await freePort();
    prometheus = spawn('prometheus', [
      `--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    prometheus.stderr!.on('data', (d) => promErr.push(String(d)));
    const prom = `http://127.0.0.1:${port}`;
    const query = async (q: string): Promise<PromResult> => (await (await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as PromResult;
    await until(async () => (await fetch(`${prom}/-/ready`)).status === 200, 30_000, 'Prometheus ready');
    await until(async () => (await query('up{job="eventlogging"} == 1')).data.result.length === 1, 20_000, 'the daemon scraped (up == 1)');

    // Two waves: the counter series must exist before the second, or rate() has no increase to see.
    const capsules = testCapsules(40, 'prom', schema).map((c) => JSON.stringify(c));
    await produceLines(topic, capsules.slice(0, 5));
    await until(async () => (await query(`eventlogging_mysql_rows_inserted_total{table="${table}"}`)).data.result.length === 1, 30_000, 'the insert counter in Prometheus');
    await produceLines(topic, capsules.slice(5));
    let rate = 0;
    await until(async () => {
      const r = await query(`sum(rate(eventlogging_mysql_rows_inserted_total{table="${table}"}[30s]))`);
      rate = Number(r.data.result[0]?.value[1] ?? 0);
      return rate > 0;
    }, 30_000, 'a non-zero insert rate');
    assert.ok(rate > 0);
    const total = await query(`eventlogging_mysql_rows_inserted_total{table="${table}"}`);
    await until(async () => Number((await query(`eventlogging_mysql_rows_inserted_total{table="${table}"}`)).data.result[0]?.value[1]) === 40, 20_000, 'all 40 rows counted');
    assert.equal(total.status, 'success');

    // The rules file loaded as Prometheus would load it in production.
    const rules = (await (await fetch(`${prom}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.ok(loaded.some((r) => r.name === 'EventLoggingMysqlInsertRateZero'), 'alert rules loaded');
    assert.ok(loaded.every((r) => r.health !== 'err'), JSON.stringify(loaded.filter((r) => r.health === 'err')));
  } finally {
    await stop(prometheus);
    const code = await stop(daemon);
    const db = await openDb();
    await db.query(`DROP TABLE IF EXISTS \`${table}\``).finally(() => db.end());
    assert.equal(code, 0, daemonErr.join('') + promErr.join(''));
  }
});
