import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseProcessorArgs } from '../../../src/config/parse-role-args.js';
import { createProcessor, type ProcessorRole } from '../../../src/roles/processor/processor-role.js';
import { BROKERS, consumeAll, freshTopic, produceLines, uniqueName, committedTotal, topicSize, membersWithPartitions } from '../../helpers/kafka.js';
import { until } from '../../helpers/wait.js';
import { FORMAT, rawCases, type RawCase } from '../../fixtures/processor/raw-lines.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const K = `kafka:///${BROKERS.join(',')}`;


const committed = (group: string, topic: string) => committedTotal(group, topic);

/** Fresh raw topic, group and output topics for one test. */
async function setup(prefix: string, partitions: number) {
  const raw = await freshTopic(`${prefix}-raw`, partitions);
  const out = uniqueName(prefix).replace(/[^A-Za-z0-9_-]/g, '_');
  return {
    raw,
    group: uniqueName(`${prefix}-group`),
    perSchema: (schema: string) => `${out}_${schema}`,
    mixed: `${out}-mixed`,
    errors: `${out}_EventError`,
    args: (group: string) => [
      '--sid', 'it', FORMAT, `${K}?topics=${raw}&identity=${group}`, `${K}?topic=${out}_{schema}`, `${K}?topic=${out}-mixed`,
      '--output-invalid', `${K}?topic=${out}_EventError`, '--schemas-path', 'schemas',
    ],
  };
}

function role(args: string[], name: string, checkThreads?: number, registry = new Registry()): ProcessorRole {
  return createProcessor({ kind: 'processors', name, file: '<test>', config: parseProcessorArgs(args) }, {
    logger, registry, onFatal: (e) => { throw e; },
  }, { commitIntervalMs: 200, lingerMs: 2, ...(checkThreads !== undefined && { checkThreads }) });
}

/** Sum of a counter's samples whose labels include `match`. */
async function counted(registry: Registry, name: string, match: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((v) => Object.entries(match).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))
    .reduce((n, v) => n + v.value, 0);
}

const uuidsOf = (values: string[]) => values.map((v) => JSON.parse(v).uuid as string);
const validUuids = (cases: RawCase[], schema?: string) =>
  cases.filter((c) => c.outcome === 'valid' && (schema === undefined || c.schema === schema)).map((c) => c.uuid!);

for (const [threads, where] of [[1, 'a check thread'], [0, "the role's own thread"]] as const) test(`raw lines in, checked on ${where}: exactly the valid ones on their schema topics and valid-mixed, the rest as EventErrors`, async () => {
  const t = await setup('el-proc-a', 2);
  const registry = new Registry();
  const cases = rawCases(1000);
  await produceLines(t.raw, cases.slice(0, 500).map((c) => c.line), 0);
  await produceLines(t.raw, cases.slice(500).map((c) => c.line), 1);
  const p = role(t.args(t.group), 'a', threads, registry);
  await p.start();
  try {
    await until(async () => (await committed(t.group, t.raw)) === 1000, 60_000, 'all 1000 raw offsets committed');
    const status = p.status();
    assert.equal(status.ready, true);
    assert.equal(status.state, 'running');
    const partitions = status.details!.partitions as Array<{ inFlight: number }>;
    assert.equal(partitions.length, 2);
    assert.ok(partitions.every((x) => x.inFlight === 0));
    // Counted wherever they were checked: the metrics and the console's list see every outcome.
    assert.equal(await counted(registry, 'eventlogging_processor_raw_events_total'), 1000);
    assert.equal(await counted(registry, 'eventlogging_processor_events_total', { outcome: 'valid' }), 700);
    assert.equal(await counted(registry, 'eventlogging_processor_events_total', { outcome: 'valid', schema: 'Edit' }), validUuids(cases, 'Edit').length);
    assert.equal(await counted(registry, 'eventlogging_processor_events_total', { outcome: 'invalid' }), 300);
    assert.equal(await counted(registry, 'eventlogging_processor_errors_total'), 300);
    assert.equal(await counted(registry, 'eventlogging_processor_check_thread_exits_total'), 0);
    const recent = status.details!.recentErrors as Array<{ topic?: string; offset?: number }>;
    assert.ok(recent.length > 0 && recent.every((e) => e.topic === t.raw && typeof e.offset === 'number'));
  } finally {
    await p.stop();
  }
  // Committed means produced and acknowledged: everything is there now, exactly once.
  for (const schema of ['Edit', 'NavigationTiming', 'Test']) {
    const expected = validUuids(cases, schema);
    const got = uuidsOf(await consumeAll(t.perSchema(schema), expected.length));
    assert.deepEqual(got.sort(), [...expected].sort(), schema);
  }
  const mixed = uuidsOf(await consumeAll(t.mixed, 700));
  assert.deepEqual(mixed.sort(), validUuids(cases).sort());
  const errors = (await consumeAll(t.errors, 300)).map((v) => JSON.parse(v));
  assert.equal(errors.length, 300);
  assert.equal(errors.filter((e) => e.event.code === 'validation').length, 200);
  assert.equal(errors.filter((e) => e.event.code === 'processor').length, 100);
  assert.deepEqual(errors.map((e) => `${e.event.partition}:${e.event.offset}`).sort(),
    cases.map((c, i) => (c.outcome === 'valid' ? '' : `${i < 500 ? 0 : 1}:${i % 500}`)).filter(Boolean).sort());
  assert.ok(errors.every((e) => e.event.topic === t.raw));
});

test('a processor SIGKILLed mid-stream and restarted in the same group: every event downstream at least once, same uuids', async () => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
  const t = await setup('el-proc-b', 1);
  const cases = rawCases(30_000);
  for (let i = 0; i < cases.length; i += 1000) await produceLines(t.raw, cases.slice(i, i + 1000).map((c) => c.line), 0);
  const spawnProcessor = (): ChildProcess => spawn(join(process.cwd(), 'bin', 'eventlogging'), ['processor', ...t.args(t.group)], {
    env: { ...process.env, LOG_LEVEL: 'error' }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const first = spawnProcessor();
  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await until(async () => (await topicSize(t.mixed)) >= 2000, 60_000, 'the first processor to produce');
    assert.ok((await topicSize(t.mixed)) < 21_000, 'killed mid-stream');
  } finally {
    first.kill('SIGKILL');
  }
  await exited(first);
  const second = spawnProcessor();
  try {
    await until(async () => (await committed(t.group, t.raw)) === cases.length, 120_000, 'every raw offset committed after the restart');
  } finally {
    second.kill('SIGTERM');
  }
  assert.equal(await exited(second), 0, 'SIGTERM drains and exits 0');
  const expected = new Set(validUuids(cases));
  const produced = await topicSize(t.mixed);
  assert.ok(produced >= expected.size);
  const mixed = uuidsOf(await consumeAll(t.mixed, produced, 60_000));
  assert.deepEqual(new Set(mixed), expected, 'the set of uuids downstream is the set expected');
  const errors = await consumeAll(t.errors, await topicSize(t.errors), 60_000);
  assert.equal(new Set(errors.map((v) => JSON.parse(v).event.offset)).size, cases.length - expected.size);
});

test('two processors in one group split a 4-partition topic; stopping one mid-stream loses nothing', async () => {
  const t = await setup('el-proc-c', 4);
  const cases = rawCases(20_000);
  const produceRange = async (from: number, to: number) => {
    for (let i = from; i < to; i += 1000) await produceLines(t.raw, cases.slice(i, Math.min(i + 1000, to)).map((c) => c.line), (i / 1000) % 4);
  };
  const one = role(t.args(t.group), 'c1');
  const two = role(t.args(t.group), 'c2');
  await one.start();
  await two.start();
  let stoppedTwo = false;
  try {
    // The group settles with both members holding partitions before any data exists: a processor
    // is fast enough to finish a pre-filled topic before a second member has joined.
    await until(async () => (await membersWithPartitions(t.group)) === 2, 60_000, 'a stable group of two members, each with partitions');
    await produceRange(0, 8000);
    await until(() => (one.status().details!.partitions as unknown[]).length > 0 && (two.status().details!.partitions as unknown[]).length > 0, 60_000, 'both members to process partitions');
    const owned = [one, two].flatMap((r) => (r.status().details!.partitions as Array<{ partition: number }>).map((x) => x.partition));
    assert.ok(owned.length <= 4);
    assert.equal(new Set(owned).size, owned.length, 'no partition owned twice');
    // The rest arrives while one member leaves and the survivor takes its partitions over.
    const rest = produceRange(8000, cases.length);
    await two.stop();
    stoppedTwo = true;
    await rest;
    await until(async () => (await committed(t.group, t.raw)) === cases.length, 120_000, 'every raw offset committed by the survivor');
  } finally {
    if (!stoppedTwo) await two.stop();
    await one.stop();
  }
  const expected = new Set(validUuids(cases));
  const mixed = uuidsOf(await consumeAll(t.mixed, await topicSize(t.mixed), 60_000));
  assert.ok(mixed.length >= expected.size);
  assert.deepEqual(new Set(mixed), expected);
});
