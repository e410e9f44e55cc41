/**
 * Scaling: 1 and then 2 `eventlogging processor` processes in one consumer group on a fresh,
 * empty 4-partition raw topic. Once the group is Stable with every process in it, this process
 * fills the topic (a plain producer, faster than the processors) and the clock runs from the start of the
 * fill to the last raw offset committed, so start-up and the group join are left out and no
 * process works alone before the other joined (the broker's initial rebalance delay is 0).
 *
 *   EL_BENCH_SCALE=0.1 node --import tsx bench/scaling.ts     prints the JSON
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BROKERS, freshTopic, testProducer, uniqueName } from '../test/helpers/kafka.js';
import { FORMAT } from '../test/fixtures/processor/raw-lines.js';
import { BIN, requireBuild, ROOT } from './lib/daemon.js';
import { benchScale } from './lib/machine.js';
import { committedReader, rssMb, sendRoundRobin, sleep } from './lib/infra.js';
import { benchLines } from './processor-pipe.js';

const PARTITIONS = 4;

/** Produces `lines` round-robin over the partitions, 1000 per request, 8 requests in flight. */
async function fillTopic(topic: string, lines: readonly string[], partitions: number): Promise<void> {
  const producer = testProducer();
  await producer.connect();
  await sendRoundRobin(producer, topic, lines, partitions);
  await producer.disconnect();
}

/** Events/s of one run with `processes` processor processes. */
export interface ScalingRun {
  readonly processes: number;
  readonly eventsPerSec: number;
  readonly seconds: number;
  readonly peakRssMb: number;
}

/** The scaling figures. */
export interface ScalingResult {
  readonly events: number;
  readonly partitions: number;
  readonly runs: ScalingRun[];
  readonly ratio2to1: number;
}

async function runWith(processes: number, lines: readonly string[]): Promise<ScalingRun> {
  const count = lines.length;
  const raw = await freshTopic('bench-scale-raw', PARTITIONS);
  const group = uniqueName('bench-scale-group');
  const out = uniqueName('bench_scale').replace(/[^A-Za-z0-9_-]/g, '_');
  const K = `kafka:///${BROKERS.join(',')}`;
  const args = [
    'processor', '--schemas-path', join(ROOT, 'schemas'), '--max-in-flight', '20000', '--output-invalid', `${K}?topic=${out}_EventError`,
    FORMAT, `${K}?topics=${raw}&identity=${group}`, `${K}?topic=${out}_{schema}`, `${K}?topic=${out}-mixed`,
  ];
  const reader = await committedReader(group, raw);
  const children = Array.from({ length: processes }, () => spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error' } }));
  const errors: string[] = [];
  for (const c of children) c.stderr!.on('data', (d) => errors.push(String(d)));
  const exits = children.map((c) => new Promise<void>((resolve) => c.on('exit', () => resolve())));
  let peak = 0;
  try {
    const joinDeadline = Date.now() + 60_000;
    while ((await reader.stableMembers()) !== processes) {
      if (children.some((c) => c.exitCode !== null)) throw new Error(`a processor exited early:\n${errors.join('')}`);
      if (Date.now() > joinDeadline) throw new Error(`the group did not become Stable with ${processes} members in 60 s`);
      await sleep(100);
    }
    const t0 = performance.now();
    const filled = fillTopic(raw, lines, PARTITIONS);
    const deadline = Date.now() + 600_000;
    for (;;) {
      const n = await reader.committed();
      peak = Math.max(peak, ...children.map((c) => rssMb(c.pid!)));
      if (n >= count) break;
      if (children.some((c) => c.exitCode !== null)) throw new Error(`a processor exited early:\n${errors.join('')}`);
      if (Date.now() > deadline) throw new Error(`processors committed ${n}/${count} in 600 s`);
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    await filled;
    return { processes, eventsPerSec: count / seconds, seconds, peakRssMb: peak };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(exits);
    await reader.close();
  }
}

/** Measures 1 and 2 processor processes on `count` events over a 4-partition raw topic. */
export async function runScaling(count: number): Promise<ScalingResult> {
  requireBuild();
  const lines = benchLines(count);
  const one = await runWith(1, lines);
  const two = await runWith(2, lines);
  return { events: count, partitions: PARTITIONS, runs: [one, two], ratio2to1: two.eventsPerSec / one.eventsPerSec };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runScaling(Math.round(300_000 * benchScale()));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
