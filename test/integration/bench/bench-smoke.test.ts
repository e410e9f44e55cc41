import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../..', import.meta.url).pathname;
// Its own results directory: the figures committed in bench/results stay as the last real run left them.
const resultsDir = mkdtempSync(join(tmpdir(), 'el-bench-results-'));
const latest = join(resultsDir, 'latest.json');

before(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  assert.equal(r.status, 0, 'build');
});

function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | null | undefined)?.[k], obj);
}

// Timings are never asserted: only that every part ran and reported a figure.
test('bench/all.ts at a tiny scale writes latest.json with every required figure', { timeout: 240_000 }, async () => {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/all.ts'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    // The before-and-after part installs and builds another commit: minutes, not a smoke test.
    env: { ...process.env, EL_BENCH_SCALE: '0.01', EL_BENCH_RATES: '200,500', EL_BENCH_RESULTS_DIR: resultsDir, EL_BENCH_BASELINE: 'none', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  let out = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { out += String(d); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, out);
  assert.ok(statSync(latest).mtimeMs >= started, 'latest.json was rewritten');
  assert.match(out, /processor \/ domain path alone/);
  const r = JSON.parse(readFileSync(latest, 'utf8')) as Record<string, unknown>;
  for (const key of ['cpus', 'memoryMb']) assert.ok(Number(at(r, `machine.${key}`)) > 0, `machine.${key}`);
  for (const key of ['node', 'kernel', 'date']) assert.equal(typeof at(r, `machine.${key}`), 'string', `machine.${key}`);
  const positive = [
    'processor.eventsPerSec', 'processor.ratioToDomain', 'consumer.rowsPerSec', 'consumer.ratioToRawInsert',
    'consumer.replayRowsPerSec', 'scaling.ratio2to1', 'overload.peakRssMb', 'intake.beaconsPerSec',
    'limits.domainEventsPerSec', 'limits.kafkaProduceEventsPerSec', 'limits.kafkaConsumeEventsPerSec',
    'limits.kafkaCopyEventsPerSec', 'limits.rawInsertRowsPerSec', 'lake.lakeRowsPerSec', 'lake.mysqlRowsPerSec', 'lake.lakePeakRssMb',
  ];
  for (const key of positive) {
    const v = at(r, key);
    assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${key} = ${String(v)}`);
  }
  assert.equal(typeof at(r, 'overload.lost'), 'number');
  const levels = r.endToEnd as Array<Record<string, unknown>>;
  assert.deepEqual(levels.map((l) => l.offered), [200, 500]);
  for (const l of levels) {
    for (const key of ['achieved', 'p99Ms', 'peakRssMb']) assert.ok(typeof l[key] === 'number' && (l[key] as number) > 0, `endToEnd[${String(l.offered)}].${key}`);
  }
  assert.deepEqual(r.failures, []);
});
