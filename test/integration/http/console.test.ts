// The functions handed to page.evaluate run in the browser.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The operator console, opened in a real browser (Debian's chromium, headless, driven by
// puppeteer-core) against a real daemon (the built CLI) running an intake, a processor and a MySQL
// consumer on the real broker and a real MariaDB. The page is checked at three moments, each
// saved as a screenshot: everything flowing; MariaDB stopped (database down, partition
// backpressured); MariaDB hung by SIGSTOP (no error anywhere, commits stop: Burrow's rule 4 calls
// the partition STOP, and the page shows that rule). A second page, served by this test, has the
// browser send beacons with navigator.sendBeacon and an image GET, and both become MariaDB rows.
//
// The consumer writes to a private MariaDB on port 3307 (as the MariaDB outage chaos test does), so
// stopping it disturbs no other test; `after` restarts nothing shared and purges it, pass or fail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { BROKERS, freshTopic, uniqueName } from '../../helpers/kafka.js';
import { DB_CONFIG } from '../../helpers/mariadb.js';
import { freshSchemaDir } from '../../helpers/capsules.js';
import { until } from '../../helpers/wait.js';
import { buildCli, configDir, intakeAddress, pipelineConfig, startCliDaemon } from '../../helpers/daemon.js';

const run = promisify(execFile);
const root = new URL('../../..', import.meta.url).pathname;
const CHROMIUM = process.env.EL_CHROMIUM ?? '/usr/bin/chromium';
const PORT = 3307;
const PID_FILE = join(root, `.run/mariadb-${PORT}/mariadbd.pid`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function mariadb(command: 'up' | 'stop' | 'purge'): Promise<void> {
  await run('bash', ['scripts/mariadb', command], { cwd: root, timeout: 120_000, env: { ...process.env, EL_MARIADB_PORT: String(PORT) } });
}

/** Signals the private server, after checking the pid file still names a MariaDB server. */
function signalMariadb(signal: 'SIGSTOP' | 'SIGCONT'): void {
  if (!existsSync(PID_FILE)) return;
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  const comm = existsSync(`/proc/${pid}/comm`) ? readFileSync(`/proc/${pid}/comm`, 'utf8').trim() : '';
  if (comm === 'mariadbd' || comm === 'mysqld') process.kill(pid, signal);
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM} (scripts/system-deps installs Debian's chromium)`);
  buildCli();
  await mariadb('up');
});

after(async () => {
  // Pass or fail: a hung server is woken before it is stopped and deleted.
  signalMariadb('SIGCONT');
  await mariadb('purge');
});

/** A page on its own origin that sends one beacon with navigator.sendBeacon and one as an image. */
function beaconPage(intake: string, schema: string): Promise<{ server: Server; url: string }> {
  const beacon = (value: string) => `http://${intake}/beacon/event?${encodeURIComponent(JSON.stringify({
    schema, revision: 1, event: { value }, wiki: 'testwiki', webHost: 'test.example.org',
  }))};`;
  const html = `<!doctype html><title>beacons</title><script>
    const sent = navigator.sendBeacon(${JSON.stringify(beacon('via-sendBeacon'))});
    const img = new Image();
    img.onload = img.onerror = () => { document.title = 'sent ' + sent; };
    img.src = ${JSON.stringify(beacon('via-image'))};
  </script>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    resolve({ server, url: `http://127.0.0.1:${address.port}/` });
  }));
}

interface PartitionRow { state: string; verdict: string; rule: string }

/** What the rendered console shows for the consumer role (read from the DOM, as drawn). */
async function consumerView(page: Page, role: string) {
  return page.evaluate((r) => {
    const roleRow = document.querySelector(`#roles tr[data-role="${r}"]`) as HTMLElement | null;
    const rows = [...document.querySelectorAll(`#partitions table[data-role="${r}"] tbody tr`)] as HTMLElement[];
    return {
      daemon: document.body.dataset.daemon,
      roleStates: [...document.querySelectorAll('#roles tbody tr')].map((tr) => (tr as HTMLElement).dataset.state),
      database: roleRow?.dataset.database,
      partitions: rows.map((tr) => ({ state: tr.dataset.state ?? '', verdict: tr.dataset.verdict ?? '', rule: tr.dataset.rule ?? '', text: tr.textContent ?? '' })),
      rowsPerSecond: Number(document.querySelector('[data-rate="rowsInserted"] b')?.textContent),
      errorCodes: [...document.querySelectorAll('#errors tbody tr')].map((tr) => (tr as HTMLElement).dataset.code),
      sparklines: document.querySelectorAll(`#partitions table[data-role="${r}"] svg.spark polyline`).length,
      controls: document.querySelectorAll('form, button, input, select, textarea').length,
    };
  }, role);
}

async function waitForView(page: Page, role: string, what: string, ok: (v: Awaited<ReturnType<typeof consumerView>>) => boolean, timeoutMs: number) {
  let last: Awaited<ReturnType<typeof consumerView>> | undefined;
  await until(async () => ok((last = await consumerView(page, role))), timeoutMs, () => `${what}; the page showed ${JSON.stringify(last)}`);
  return last!;
}

test('the console shows the pipeline flowing, a database outage and a stalled partition, in a real browser; browser beacons become rows', { timeout: 300_000 }, async (t) => {
  const raw = await freshTopic('el-console-raw', 1);
  const mixed = await freshTopic('el-console-mixed', 1);
  const errorsTopic = await freshTopic('el-console-errors', 1);
  const { dir: schemas, schema } = freshSchemaDir('Console');
  const consumerRole = 'consumers/mysql-00';
  const dir = configDir(pipelineConfig({
    brokers: BROKERS.join(','), raw, mixed, errors: errorsTopic, schemas,
    seqFile: join(mkdtempSync(join(tmpdir(), 'el-console-seq-')), 'seq'),
    processorGroup: uniqueName('el-console-processor'), consumerGroup: uniqueName('el-console-consumer'),
    mysql: `mysql://root:@127.0.0.1:${PORT}/test?batch_size=50&batch_time=0.2`,
    // A small in-flight bound, so that the outage backpressures the partition within seconds.
    consumerArgs: ['--max-in-flight', '100'],
  }));
  const daemon = await startCliDaemon(dir);
  const base = `http://${daemon.admin}`;
  const intake = await intakeAddress(daemon.admin);

  // Steady traffic from outside the browser: valid events, and every tenth one invalid (a number
  // where the schema wants a string), so EventErrors show too.
  let sending = true;
  let sent = 0;
  const traffic = (async () => {
    while (sending) {
      const event = sent % 10 === 9 ? { value: 5 } : { value: `steady-${sent}` };
      const q = encodeURIComponent(JSON.stringify({ schema, revision: 1, event, wiki: 'testwiki', webHost: 'test.example.org' }));
      await fetch(`http://${intake}/beacon/event?${q};`).then((r) => r.arrayBuffer()).catch(() => undefined);
      sent += 1;
      await sleep(20);
    }
  })();

  const shots = mkdtempSync(join(tmpdir(), 'el-console-shots-'));
  const browser: Browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    defaultViewport: { width: 1400, height: 1000 },
  });
  const db = await mysql.createConnection({ ...DB_CONFIG, port: PORT });
  try {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => { requested.push(request.url()); });
    await page.goto(`${base}/`, { waitUntil: 'load' });

    // 1. Everything flowing.
    const flowing = await waitForView(page, consumerRole, 'everything flowing', (v) => v.daemon === 'running'
      && v.roleStates.length === 3 && v.roleStates.every((s) => s === 'running') && v.database === 'up'
      && v.partitions.length === 1 && v.partitions[0]!.state === 'flowing' && v.rowsPerSecond > 0
      // judged on a window, not waiting for one
      && v.partitions[0]!.verdict === 'OK' && !['no-commits', 'incomplete-window'].includes(v.partitions[0]!.rule)
      && v.sparklines === 1 && v.errorCodes.length > 0, 60_000);
    await page.screenshot({ path: join(shots, '1-flowing.png'), fullPage: true });
    assert.equal(flowing.controls, 0, 'the console is read-only: no form, button or input');
    assert.ok(flowing.errorCodes.every((c) => /^EL_[A-Z_]+$/.test(c ?? '')), `EventErrors listed by code: ${flowing.errorCodes.join(', ')}`);
    const pageText = await page.evaluate(() => document.body.innerText);
    assert.doesNotMatch(pageText, /127\.0\.0\.1 |::1/, 'no client address on the page');

    // A real browser's beacons, sendBeacon (POST) and an image (GET), become rows.
    const table = `${schema}_1`;
    const beacons = await beaconPage(intake, schema);
    try {
      const sender = await browser.newPage();
      await sender.goto(beacons.url, { waitUntil: 'load' });
      await sender.waitForFunction(() => document.title.startsWith('sent'), { timeout: 10_000 });
      assert.equal(await sender.title(), 'sent true', 'navigator.sendBeacon queued the beacon');
      await until(async () => {
        const [rows] = await db.query(`SELECT event_value FROM \`${table}\` WHERE event_value IN ('via-sendBeacon', 'via-image')`);
        return (rows as unknown[]).length === 2;
      }, 30_000, 'both browser beacons as rows');
      await sender.close();
    } finally {
      beacons.server.close();
    }

    // 2. MariaDB stopped: the database supervisor says down, the partition fills and pauses.
    await mariadb('stop');
    try {
      await waitForView(page, consumerRole, 'database down, partition backpressured',
        (v) => v.database === 'down' && v.partitions.some((p: PartitionRow) => p.state === 'backpressured'), 90_000);
      await page.screenshot({ path: join(shots, '2-database-down.png'), fullPage: true });
    } finally {
      await mariadb('up');
    }
    await waitForView(page, consumerRole, 'flowing again after the outage',
      (v) => v.database === 'up' && v.partitions[0]?.state === 'flowing' && v.partitions[0]?.verdict === 'OK', 120_000);

    // 3. A hung database: nothing fails, nothing commits, lag grows. Burrow's rule 4 calls the
    // partition STOP, and the page shows the verdict and the rule.
    signalMariadb('SIGSTOP');
    try {
      const stalled = await waitForView(page, consumerRole, 'a partition STOP by rule 4',
        (v) => v.partitions.some((p: PartitionRow) => p.verdict === 'STOP' && p.rule === 'rule4-stopped'), 90_000);
      assert.match(stalled.partitions[0]!.text, /rule4-stopped/, 'the rule is shown in the row');
      await page.screenshot({ path: join(shots, '3-stalled.png'), fullPage: true });
    } finally {
      signalMariadb('SIGCONT');
    }
    t.diagnostic(`console screenshots: ${shots}`);
    const origins = new Set(requested.map((u) => new URL(u).origin));
    assert.deepEqual([...origins], [base], `the console fetched only from the admin port: ${[...origins].join(', ')}`);
  } finally {
    sending = false;
    await traffic;
    await db.end().catch(() => undefined);
    await browser.close();
    assert.equal(await daemon.stop(), 0, daemon.stderr.join(''));
  }
});
