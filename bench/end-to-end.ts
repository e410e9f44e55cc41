/**
 * End to end: beacons over HTTP at fixed offered loads (open loop, bench/lib/paced-load.ts) into
 * one daemon running intake + processor + MySQL consumer, to rows in MariaDB. Per load: achieved
 * rows/s at the database, p50/p99 latency from beacon sent to row visible, beacons lost, and the
 * daemon's peak RSS. Each load writes its own table (its own BenchEvent revision).
 *
 *   EL_BENCH_SCALE=0.1 node --import tsx bench/end-to-end.ts [RATE,RATE,...]   prints the JSON
 */
import { benchScale } from './lib/machine.js';
import { rssSampler } from './lib/infra.js';
import { pacedLoad } from './lib/paced-load.js';
import { countRowsAfter, latencySummary, maxId, startPipeline, waitForRows, watchRows } from './lib/pipeline.js';

/** One offered load's figures. */
export interface EndToEndLevel {
  readonly offered: number;
  readonly seconds: number;
  /** Rows/s at the database, over the span from the first to the last row seen. */
  readonly achieved: number;
  readonly sent: number;
  /** Due beacons the load generator could not put on the wire (it was the bottleneck). */
  readonly skipped: number;
  readonly accepted: number;
  readonly refused: number;
  readonly rows: number;
  /** Accepted beacons without a row once every row had time to arrive (see `waitedSeconds`). */
  readonly lost: number;
  /** Rows that arrived more than LATE_AFTER_MS after the load ended: late, not lost. */
  readonly lateRows: number;
  /** From the end of the load to the last row seen. */
  readonly drainSeconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly peakRssMb: number;
}

/** A row seen this long after the load ended is counted late (an earlier bench stopped waiting here and called it lost). */
export const LATE_AFTER_MS = 5_000;
/** Stop waiting for rows once none arrived for this long (a stuck pipeline, not a slow one). */
const QUIET_MS = 60_000;

/** The 2 s p99 target of the issue. */
export const P99_TARGET_MS = 2000;

/** Runs every offered load in `rates` for `seconds` each against one fresh pipeline. */
export async function runEndToEnd(rates: readonly number[], seconds: number): Promise<{ levels: EndToEndLevel[]; maxOfferedWithinP99: number }> {
  const pipeline = await startPipeline({ revisions: rates.length });
  const rss = rssSampler(pipeline.daemon.pid);
  const levels: EndToEndLevel[] = [];
  try {
    // A warm-up per level's table, so table creation, schema loading and JIT do not land in the
    // measured window; each level then counts only rows after the warm-up's.
    for (const [i] of rates.entries()) {
      const warm = watchRows(pipeline.db, `BenchEvent_${i + 1}`);
      const w = await pacedLoad({ ...pipeline.intake, rate: 500, seconds: 1, revision: i + 1, firstSeq: 1e9 });
      await waitForRows(warm, w.accepted, 10_000, 30_000);
      await warm.stop();
    }
    for (const [i, rate] of rates.entries()) {
      const revision = i + 1;
      const table = `BenchEvent_${revision}`;
      rss.reset();
      const afterId = await maxId(pipeline.db, table);
      const watch = watchRows(pipeline.db, table, afterId);
      const load = await pacedLoad({ ...pipeline.intake, rate, seconds, revision });
      const loadEnded = Date.now();
      // Every accepted beacon's row is waited for (bounded): slow rows are late, not lost.
      await waitForRows(watch, load.accepted, QUIET_MS, Math.max(120_000, seconds * 10_000));
      await watch.stop();
      const all = watch.latenciesMs();
      // Counted exactly: the watcher's count serves the latencies and the wait.
      const rows = await countRowsAfter(pipeline.db, table, afterId);
      const span = (watch.lastSeenAt() - watch.firstSeenAt()) / 1000;
      levels.push({
        offered: rate, seconds: load.seconds, achieved: rows / Math.max(span, load.seconds * 0.5),
        sent: load.sent, skipped: load.skipped, accepted: load.accepted, refused: load.refused, rows, lost: Math.max(0, load.accepted - rows),
        lateRows: watch.countSeenAfter(loadEnded + LATE_AFTER_MS), drainSeconds: Math.max(0, (watch.lastSeenAt() - loadEnded) / 1000),
        ...latencySummary(all), peakRssMb: rss.peak(),
      });
    }
  } finally {
    rss.stop();
    await pipeline.close();
  }
  const ok = levels.filter((l) => l.p99Ms <= P99_TARGET_MS && l.lost === 0 && l.achieved >= 0.9 * l.offered);
  return { levels, maxOfferedWithinP99: ok.reduce((m, l) => Math.max(m, l.offered), 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rates = (process.argv[2] ?? '1000,5000,20000').split(',').map(Number);
  const r = await runEndToEnd(rates, Math.max(2, 20 * benchScale()));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}
