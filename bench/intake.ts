/**
 * The intake alone: wrk sends distinct beacons as fast as a daemon running only an intake answers
 * them, for 10 s × EL_BENCH_SCALE. beaconsPerSec counts 204 answers; then the raw topic's end
 * offset is compared with that count, so every accepted beacon is known to be acknowledged by
 * Kafka (`unacknowledged` must be 0).
 *
 *   EL_BENCH_SCALE=0.1 node --import tsx bench/intake.ts     prints the JSON
 */
import { benchScale } from './lib/machine.js';
import { rssSampler, sleep } from './lib/infra.js';
import { topicSize } from '../test/helpers/kafka.js';
import { startPipeline } from './lib/pipeline.js';
import { runWrk } from './lib/wrk.js';

/** The intake figures. */
export interface IntakeResult {
  readonly seconds: number;
  readonly beaconsPerSec: number;
  readonly accepted: number;
  readonly refused: number;
  /** Messages on the raw topic once the intake's backlog was flushed. */
  readonly onTopic: number;
  readonly unacknowledged: number;
  readonly latencyP99Ms: number;
  readonly peakRssMb: number;
}

/** Runs wrk against an intake-only daemon for `seconds`. */
export async function runIntake(seconds: number): Promise<IntakeResult> {
  const pipeline = await startPipeline({ revisions: 1, intakeOnly: true });
  const rss = rssSampler(pipeline.daemon.pid);
  try {
    const load = await runWrk({ ...pipeline.intake, seconds, revision: 1, connections: 64, threads: 1 });
    let onTopic = 0;
    for (let i = 0; i < 60; i++) {
      onTopic = await topicSize(pipeline.rawTopic);
      if (onTopic >= load.accepted) break;
      await sleep(500);
    }
    return {
      seconds: load.seconds, beaconsPerSec: load.accepted / load.seconds, accepted: load.accepted, refused: load.refused,
      onTopic, unacknowledged: Math.max(0, load.accepted - onTopic), latencyP99Ms: load.latencyP99Ms, peakRssMb: rss.peak(),
    };
  } finally {
    rss.stop();
    await pipeline.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runIntake(Math.max(2, 10 * benchScale()));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
