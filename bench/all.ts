/**
 * `npm run bench`: every benchmark part in one run and one process tree (the parts run one after
 * another so they do not compete for the two cores), one table on stdout (ratios first), and
 * `bench/results/latest.json` with the machine description. EL_BENCH_SCALE (default 1) scales
 * every event count and duration; EL_BENCH_RATES (default 1000,5000,20000) sets the end-to-end
 * offered loads. Kafka and MariaDB must be up and dist/ built (bench/run sees to all three).
 * Exits 1 if any part failed (the others still run and are reported).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runComparison } from './compare.js';
import { runEndToEnd, P99_TARGET_MS } from './end-to-end.js';
import { runIntake } from './intake.js';
import { runLakeBench } from './lake.js';
import { measureLimits } from './limits.js';
import { ROOT } from './lib/daemon.js';
import { benchScale, describeMachine, scaled } from './lib/machine.js';
import { runProcessorKafka } from './lib/processor-kafka-run.js';
import { runOverload } from './overload.js';
import { runScaling } from './scaling.js';

const scale = benchScale();
// EL_BENCH_RESULTS_DIR: where the JSON goes (the bench's own test writes elsewhere, not over the figures).
const resultsDir = process.env.EL_BENCH_RESULTS_DIR ?? join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

type Json = Record<string, unknown>;
const results: Json = { machine: describeMachine(), scale };
const failures: string[] = [];
const timings: Record<string, number> = {};

async function part<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  log(`${name}...`);
  const started = performance.now();
  try {
    return await run();
  } catch (err) {
    failures.push(`${name}: ${(err as Error).stack ?? String(err)}`);
    log(`${name} FAILED: ${(err as Error).message}`);
    return undefined;
  } finally {
    timings[name] = (performance.now() - started) / 1000;
    log(`${name} took ${timings[name]!.toFixed(1)} s`);
  }
}

/** Runs bench/consumer.ts (another part's CLI) in a child and reads the JSON it writes. */
async function consumerBench(): Promise<Json> {
  const file = join(resultsDir, 'consumer.json');
  if (!existsSync(join(ROOT, 'bench/consumer.ts'))) throw new Error('bench/consumer.ts is missing');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/consumer.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let out = '';
  child.stdout.on('data', (d) => { out += String(d); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`bench/consumer.ts exited with ${code}:\n${out}`);
  const text = readFileSync(file, 'utf8');
  if (text === before) throw new Error('bench/consumer.ts did not rewrite bench/results/consumer.json');
  return JSON.parse(text) as Json;
}

/** The first finite number among `keys` in `obj` (or nested one level under `consumer`). */
function pick(obj: Json, ...keys: string[]): number | undefined {
  for (const scope of [obj, (obj.consumer ?? {}) as Json]) {
    for (const k of keys) {
      const v = k.split('.').reduce<unknown>((o, p) => (o as Json | undefined)?.[p], scope);
      if (typeof v === 'number' && Number.isFinite(v)) return v;
    }
  }
  return undefined;
}

const limits = await part('limits', () => measureLimits(scaled(200_000, 2000)));
const processor = await part('processor', () => runProcessorKafka(scaled(200_000, 2000), 4));
const consumerRaw = await part('consumer', consumerBench);
const lake = await part('lake', () => runLakeBench());
const intake = await part('intake', () => runIntake(Math.max(2, 10 * scale)));
const rates = (process.env.EL_BENCH_RATES ?? '1000,5000,20000').split(',').map(Number);
const e2e = await part('end-to-end', () => runEndToEnd(rates, Math.max(2, 20 * scale)));
const scaling = await part('scaling', () => runScaling(scaled(300_000, 4000)));
const overload = await part('overload', () => runOverload(Math.max(3, 60 * scale), Math.max(30, 240 * scale)));
const comparison = process.env.EL_BENCH_BASELINE === 'none' ? undefined : await part('comparison with the baseline build', () => runComparison());

const rawInsert = consumerRaw ? pick(consumerRaw, 'rawInsertRowsPerSec', 'raw.rowsPerSec', 'rawInsert.rowsPerSec', 'limits.rawInsertRowsPerSec') : undefined;
results.limits = limits ? { ...limits, ...(rawInsert !== undefined && { rawInsertRowsPerSec: rawInsert }) } : null;
results.processor = processor ? {
  ...processor,
  ...(limits && { ratioToKafkaCopy: processor.eventsPerSec / limits.kafkaCopyEventsPerSec }),
} : null;
if (consumerRaw) {
  const rowsPerSec = pick(consumerRaw, 'rowsPerSec', 'consumer.rowsPerSec');
  results.consumer = {
    ...consumerRaw,
    rowsPerSec,
    ratioToRawInsert: pick(consumerRaw, 'ratioToRawInsert') ?? (rowsPerSec !== undefined && rawInsert ? rowsPerSec / rawInsert : undefined),
    replayRowsPerSec: pick(consumerRaw, 'replayRowsPerSec', 'replay.rowsPerSec'),
    rawInsertRowsPerSec: rawInsert,
  };
} else results.consumer = null;
results.lake = lake ?? null;
results.intake = intake ?? null;
results.endToEnd = e2e?.levels ?? null;
results.endToEndMaxOfferedWithinP99 = e2e?.maxOfferedWithinP99 ?? null;
results.scaling = scaling ?? null;
results.overload = overload ?? null;
results.comparison = comparison ?? null;
results.secondsPerPart = timings;
results.failures = failures;
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

const n = (v: number | undefined, digits = 0) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const c = results.consumer as Json | null;
const rows: Array<[string, string, string]> = [
  ['ratio', 'processor / domain path alone (target >= 0.3)', n(processor?.ratioToDomain, 2)],
  ['ratio', 'processor / Kafka client copy (consume+produce, no processing)', n((results.processor as Json | null)?.ratioToKafkaCopy as number | undefined, 2)],
  ['ratio', 'consumer / raw INSERT IGNORE (target >= 0.7)', n(c?.ratioToRawInsert as number | undefined, 2)],
  ['ratio', 'scaling 2 / 1 processor processes (target >= 1.7)', n(scaling?.ratio2to1, 2)],
  ['limit', 'domain path alone, one core (events/s)', n(limits?.domainEventsPerSec)],
  ['limit', 'Kafka client produce, acks -1 (events/s)', n(limits?.kafkaProduceEventsPerSec)],
  ['limit', 'Kafka client consume (events/s)', n(limits?.kafkaConsumeEventsPerSec)],
  ['limit', 'Kafka client copy topic to topic (events/s)', n(limits?.kafkaCopyEventsPerSec)],
  ['limit', 'kcat (librdkafka in C) produce, same settings (events/s)', n(limits?.kcatProduceEventsPerSec ?? undefined)],
  ['limit', 'kcat (librdkafka in C) consume (events/s)', n(limits?.kcatConsumeEventsPerSec ?? undefined)],
  ['limit', 'mysql2 multi-row INSERT IGNORE (rows/s)', n(rawInsert)],
  ['rate', 'processor Kafka -> Kafka (events/s, target >= 30,000)', n(processor?.eventsPerSec)],
  ['memory', 'processor peak RSS MB', n(processor?.peakRssMb)],
  ['rate', 'consumer Kafka -> MariaDB (rows/s)', n(c?.rowsPerSec as number | undefined)],
  ['rate', 'consumer replay, every row a duplicate (rows/s)', n(c?.replayRowsPerSec as number | undefined)],
  ['ratio', 'lake consumer / MySQL consumer, same events (target >= 2)', n(lake?.ratioToMysqlConsumer, 2)],
  ['rate', 'lake consumer Kafka -> Parquet (rows/s); MySQL consumer, same events', lake ? `${n(lake.lakeRowsPerSec)}; ${n(lake.mysqlRowsPerSec)}` : 'n/a'],
  ['memory', 'lake consumer peak RSS MB (target <= 512)', n(lake?.lakePeakRssMb)],
  ['rate', 'intake alone, 204s acked by Kafka (beacons/s)', `${n(intake?.beaconsPerSec)}${intake ? ` (unacked ${intake.unacknowledged})` : ''}`],
  ...(e2e?.levels ?? []).map((l): [string, string, string] => ['e2e', `offered ${n(l.offered)}/s: achieved, p50/p99 ms, lost (accepted - rows), late rows, drain s, peak RSS MB`, `${n(l.achieved)}/s, ${n(l.p50Ms)}/${n(l.p99Ms)}, ${l.lost}, ${l.lateRows}, ${l.drainSeconds.toFixed(1)}, ${n(l.peakRssMb)}`]),
  ['e2e', `highest offered load with p99 <= ${P99_TARGET_MS} ms, 0 lost`, e2e ? n(e2e.maxOfferedWithinP99) : 'n/a'],
  ...(scaling?.runs ?? []).map((r): [string, string, string] => ['scale', `${r.processes} processor process(es) (events/s)`, n(r.eventsPerSec)]),
  ['overload', 'accepted beacons/s; rows/s; drain s', overload ? `${n(overload.acceptedPerSec)}; ${n(overload.rowsPerSec)}; ${n(overload.drainSeconds, 1)}` : 'n/a'],
  ['overload', 'peak RSS MB (target <= 512); lost (target 0)', overload ? `${n(overload.peakRssMb)}; ${overload.lost}` : 'n/a'],
  ...(comparison ? ([
    ['processor events/s', comparison.processorEventsPerSec, 0, '>= 0.8'],
    ['consumer rows/s', comparison.consumerRowsPerSec, 0, ''],
    ['consumer / raw INSERT IGNORE', comparison.consumerRatioToRawInsert, 2, 'current >= 0.75'],
    ['intake beacons/s', comparison.intakeBeaconsPerSec, 0, '>= 1'],
  ] as const).map(([what, f, d, target]): [string, string, string] => [
    'vs base', `${what}: ${comparison.baseline} / this build, median (min-max) of ${comparison.rounds}; ratio${target ? ` (target ${target})` : ''}`,
    `${n(f.baseline.median, d)} (${n(f.baseline.min, d)}-${n(f.baseline.max, d)}) / ${n(f.current.median, d)} (${n(f.current.min, d)}-${n(f.current.max, d)}); ${n(f.ratio, 2)}`,
  ]) : []),
];
const m = results.machine as ReturnType<typeof describeMachine>;
const width = Math.max(...rows.map((r) => r[1].length));
process.stdout.write(`eventlogging bench, ${m.date}, ${m.cpus} x ${m.cpuModel}, ${m.memoryMb} MB, node ${m.node}, Linux ${m.kernel}, scale ${scale}\n`);
for (const [kind, what, value] of rows) process.stdout.write(`${kind.padEnd(8)} ${what.padEnd(width)}  ${value}\n`);
process.stdout.write(`results: bench/results/latest.json${failures.length ? `; ${failures.length} part(s) FAILED` : ''}\n`);
for (const f of failures) process.stderr.write(`${f}\n`);
process.exitCode = failures.length ? 1 : 0;
