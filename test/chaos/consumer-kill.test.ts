// Chaos: SIGKILL the `eventlogging consumer` process mid-stream, after it has committed offsets,
// and start it again. Offsets are committed only after the database commit, so the restart resumes
// from the last committed offset and replays whatever was stored after it; the unique key on uuid
// must absorb that replay: exactly N rows in the end.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tableName } from '../../src/domain/table/table-mapping.js';
import { BROKERS, freshTopic, produceLines, uniqueName, committedTotal } from '../helpers/kafka.js';
import { openDb } from '../helpers/mariadb.js';
import { until } from '../helpers/wait.js';
import { freshSchemaDir, testCapsules } from '../helpers/capsules.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const N = 40_000;
/** Produced, stored and committed before the stream the consumer is killed in. */
const FIRST = 10_000;

before(async () => {
  // The CLI runs the compiled code in dist/.
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, timeout: 240_000 });
});

/** Starts the consumer CLI; its output goes to `log` (read back when an assertion fails). */
function startConsumer(topic: string, group: string, errorTopic: string, schemasDir: string, log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(join(ROOT, 'bin/eventlogging'), [
    'consumer',
    `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${group}`,
    'mysql://root:@127.0.0.1:3306/test?batch_size=500&batch_time=0.5',
    '--schemas-path', schemasDir,
    '--error-output', `kafka:///${BROKERS.join(',')}?topic=${errorTopic}`,
  ], { cwd: ROOT, stdio: ['ignore', fd, fd], env: { ...process.env, LOG_LEVEL: 'info' } });
  closeSync(fd);
  return child;
}

const exited = (child: ChildProcess) => new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
  else child.once('exit', (code, signal) => resolve({ code, signal }));
});

const committed = (group: string, topic: string) => committedTotal(group, topic);

test('consumer SIGKILLed mid-stream and restarted: exactly N rows, the replay absorbed by the unique key', { timeout: 240_000 }, async () => {
  const topic = await freshTopic('el-chaos-kill', 2);
  const errorTopic = await freshTopic('el-chaos-kill-errors', 1);
  const group = uniqueName('el-chaos-kill');
  const { dir, schema } = freshSchemaDir('Kill');
  const table = tableName(schema, 1);
  const log = join(tmpdir(), `${uniqueName('el-chaos-kill')}.log`);
  const conn = await openDb();
  const count = async () => {
    const [rows] = await conn.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT uuid) AS u FROM \`${table}\``);
    const r = (rows as Array<{ n: number; u: number }>)[0]!;
    return { n: Number(r.n), u: Number(r.u) };
  };
  const capsules = testCapsules(N, 'kill', schema);
  const lines = capsules.map((c) => JSON.stringify(c));
  let child: ChildProcess | undefined;
  try {
    // 2,000 (about 0.5 MB) per request: the broker refuses requests over 1 MiB.
    const produceRange = async (from: number, to: number, pauseMs = 0) => {
      for (let i = from; i < to; i += 2000) {
        await produceLines(topic, lines.slice(i, Math.min(i + 2000, to)));
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    };
    await produceRange(0, FIRST);
    child = startConsumer(topic, group, errorTopic, dir, log);
    // Committed offsets first, so the kill below lands after commits, not before the first one.
    await until(async () => (await committed(group, topic)) === FIRST, 60_000, `the first ${FIRST} offsets committed`);
    // Then a stream still arriving (2,000 every 100 ms), killed once it is being stored.
    const streaming = produceRange(FIRST, N, 100);
    await until(async () => (await count()).n >= FIRST + 2000, 60_000, `rows past the first ${FIRST}`);
    child.kill('SIGKILL');
    const first = await exited(child);
    assert.equal(first.signal, 'SIGKILL');
    const atKill = await count();
    const committedAtKill = await committed(group, topic);
    assert.ok(atKill.n < N, `killed mid-stream (${atKill.n}/${N} rows at the kill)`);
    assert.ok(committedAtKill >= FIRST, `killed after commits (${committedAtKill} committed)`);
    assert.ok(committedAtKill <= atKill.n, `committed ${committedAtKill} > ${atKill.n} rows stored`);
    await streaming;
    // Rows stored but not committed at the kill are consumed again after the restart.
    process.stderr.write(`# consumer-kill: ${atKill.n} rows, ${committedAtKill} committed at the kill (replay of ${atKill.n - committedAtKill})\n`);

    child = startConsumer(topic, group, errorTopic, dir, log);
    await until(async () => (await count()).n >= N, 120_000, `${N} rows after the restart`);
    await until(async () => (await committed(group, topic)) === N, 30_000, `${N} committed offsets`);
    child.kill('SIGTERM');
    const second = await exited(child);
    assert.equal(second.code, 0, `the restarted consumer drains and exits 0 on SIGTERM\n${readFileSync(log, 'utf8').slice(-3000)}`);
    child = undefined;
    assert.deepEqual(await count(), { n: N, u: N });
    const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE uuid IN (?)`, [capsules.map((c) => c.uuid)]);
    assert.equal(Number((rows as Array<{ n: number }>)[0]!.n), N, 'the rows are exactly the produced events');
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await conn.query(`DROP TABLE IF EXISTS \`${table}\``);
    await conn.end();
  }
});
