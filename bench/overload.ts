/**
 * Overload: wrk drives the daemon (intake + processor + consumer) as fast as the intake answers,
 * above what the processor and consumer sustain, for 60 s × EL_BENCH_SCALE. Records the daemon's
 * peak RSS (backpressure must bound it), how many 204-answered beacons never became rows once the
 * backlog drained (`lost`), and how long the drain took after the load stopped.
 *
 *   EL_BENCH_SCALE=0.1 node --import tsx bench/overload.ts     prints the JSON
 */
import { benchScale } from './lib/machine.js';
import { countRows, rssSampler, sleep } from './lib/infra.js';
import { startPipeline } from './lib/pipeline.js';
import { runWrk } from './lib/wrk.js';

/** The overload figures. */
export interface OverloadResult {
  readonly seconds: number;
  /** Beacons answered 204 per second during the load (the offered rate the pipeline had to absorb). */
  readonly acceptedPerSec: number;
  readonly accepted: number;
  /** Answered with another status (503: the intake refused under backpressure; not a loss). */
  readonly refused: number;
  readonly rows: number;
  /** 204-answered beacons with no row after the drain. */
  readonly lost: number;
  /** Rows beyond the 204 count: requests the daemon served after wrk stopped reading. */
  readonly extraRows: number;
  /** Rows at the end of the load, and the seconds from then until the last row (or the cap). */
  readonly rowsWhenLoadStopped: number;
  readonly drainSeconds: number;
  readonly drained: boolean;
  /** Rows/s at the database over load + drain. */
  readonly rowsPerSec: number;
  readonly peakRssMb: number;
}

/** Runs the overload phase for `seconds`; waits at most `maxDrainSeconds` for the backlog. */
export async function runOverload(seconds: number, maxDrainSeconds: number): Promise<OverloadResult> {
  const pipeline = await startPipeline({ revisions: 1 });
  const rss = rssSampler(pipeline.daemon.pid);
  try {
    const started = Date.now();
    const load = await runWrk({ ...pipeline.intake, seconds, revision: 1, connections: 64, threads: 1 });
    const loadStopped = Date.now();
    const rowsWhenLoadStopped = await countRows(pipeline.db, 'BenchEvent_1');
    let rows = rowsWhenLoadStopped;
    let lastChange = Date.now();
    let lastRowAt = loadStopped;
    while (rows < load.accepted && Date.now() - loadStopped < maxDrainSeconds * 1000 && Date.now() - lastChange < 30_000) {
      await sleep(250);
      const n = await countRows(pipeline.db, 'BenchEvent_1');
      if (n !== rows) { rows = n; lastChange = Date.now(); lastRowAt = lastChange; }
    }
    // Rows for requests served after wrk stopped reading can still be in flight: one more look.
    await sleep(1000);
    rows = await countRows(pipeline.db, 'BenchEvent_1');
    return {
      seconds: load.seconds, acceptedPerSec: load.accepted / load.seconds, accepted: load.accepted, refused: load.refused,
      rows, lost: Math.max(0, load.accepted - rows), extraRows: Math.max(0, rows - load.accepted),
      rowsWhenLoadStopped, drainSeconds: (lastRowAt - loadStopped) / 1000, drained: rows >= load.accepted,
      rowsPerSec: rows / ((lastRowAt - started) / 1000), peakRssMb: rss.peak(),
    };
  } finally {
    rss.stop();
    await pipeline.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runOverload(Math.max(3, 60 * benchScale()), Math.max(30, 300 * benchScale()));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
