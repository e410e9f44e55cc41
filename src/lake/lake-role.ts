/**
 * The lake consumer role: reads capsule topics and the EventError topic and writes Hive-style
 * hourly Parquet partitions (src/domain/lake/lake-layout.ts). Each partition's records are gathered
 * (by count and time), grouped by table, revision and hour, and written as part files; offsets
 * are committed only after the files are renamed into place, so a crash or a replay writes some
 * rows again and never loses one. Refining merges a closed hour's parts into one file with one
 * row per uuid, once the hour has been over for the refine delay; a late event reopens its hour.
 */
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Counter } from 'prom-client';
import { Observable, concatMap, tap, type OperatorFunction } from 'rxjs';
import type { Logger } from 'pino';
import type { LakeConfig, RoleSpec } from '../domain/config/role-config.js';
import { capsuleColumns, eventErrorColumns, eventTypeOf, quoteLiteral, type LakeColumn } from '../domain/lake/lake-columns.js';
import { REFINED_FILE, hourEndMs, type LakeHour } from '../domain/lake/lake-layout.js';
import type { Role, RoleDeps, RoleStatus } from '../daemon/role.js';
import type { Completed, PartitionPipeline } from '../adapters/kafka/kafka-record.js';
import { createKafkaSource, type KafkaSource } from '../adapters/kafka/kafka-source.js';
import { metricOnce } from '../observability/metrics.js';
import { registryFromConfig } from '../adapters/schemas/registry-from-config.js';
import { isTransientSchemaFailure } from '../domain/schema/schema-failure.js';
import { backoffDelay } from '../supervision/backoff.js';
import { gather, type LineBatch } from '../streams/gather.js';
import { STAGING, writeBatchFiles } from './batch-writer.js';
import { openEngine, type Engine } from './duckdb.js';
import { hourDirs } from './hour-dirs.js';
import { partsOf, refineHour } from './refine.js';

/** Test seams; production uses the defaults. */
export interface LakeRoleOptions {
  /** Wall clock (ms) deciding when an hour is closed. */
  readonly now?: () => number;
  readonly commitIntervalMs?: number;
}

/** Statements DuckDB may hold in memory; the rest spills or fails the write, which is retried. */
const MEMORY_LIMIT = '256MB';

/** Batches written at once (DuckDB's connections): a batch waiting on one no longer waits on the others. */
const CONNECTIONS = 2;

/**
 * Threads one statement runs on. The connections already write batches in parallel; splitting a
 * 10,000-row statement over two threads as well cost 40 % more CPU for the same time (measured).
 */
const STATEMENT_THREADS = 1;

/** Bytes of records per batch: bounds what one statement holds, whatever the events' size. */
const BATCH_BYTES = 64 * 2 ** 20;

/** Builds a lake role. */
export function createLake(spec: RoleSpec, deps: RoleDeps, options: LakeRoleOptions = {}): Role {
  const config = spec.config as LakeConfig;
  if (config.input.kind !== 'kafka-reader' || config.output.kind !== 'file') {
    throw new Error(`${spec.file}: a lake role reads kafka:///...?topics=...&identity=... and writes file:///path`);
  }
  const input = config.input;
  const root = config.output.path!;
  const { logger, registry } = deps;
  const role = `${spec.kind}/${spec.name}`;
  const now = options.now ?? Date.now;
  const schemas = registryFromConfig(config);

  const rowsWritten = metricOnce(registry, 'eventlogging_lake_rows_written_total', () => new Counter({
    name: 'eventlogging_lake_rows_written_total', help: 'Rows written to lake part files, per table (a replay writes rows again; refining keeps one per uuid).',
    labelNames: ['role', 'table'], registers: [registry],
  }));
  const filesWritten = metricOnce(registry, 'eventlogging_lake_files_written_total', () => new Counter({
    name: 'eventlogging_lake_files_written_total', help: 'Parquet files made visible, by kind (part, refined).', labelNames: ['role', 'kind'], registers: [registry],
  }));
  const bytesWritten = metricOnce(registry, 'eventlogging_lake_bytes_written_total', () => new Counter({
    name: 'eventlogging_lake_bytes_written_total', help: 'Bytes of Parquet files made visible.', labelNames: ['role'], registers: [registry],
  }));
  const refineRuns = metricOnce(registry, 'eventlogging_lake_refine_runs_total', () => new Counter({
    name: 'eventlogging_lake_refine_runs_total', help: 'Hours refined (parts merged into one file, one row per uuid).', labelNames: ['role'], registers: [registry],
  }));
  const lateRows = metricOnce(registry, 'eventlogging_lake_late_rows_total', () => new Counter({
    name: 'eventlogging_lake_late_rows_total', help: 'Rows written into an hour already refined (it is refined again).', labelNames: ['role', 'table'], registers: [registry],
  }));
  const rejected = metricOnce(registry, 'eventlogging_lake_events_rejected_total', () => new Counter({
    name: 'eventlogging_lake_events_rejected_total', help: 'Consumed records that could not become rows, by error code.', labelNames: ['role', 'code'], registers: [registry],
  }));
  const writeFailures = metricOnce(registry, 'eventlogging_lake_write_failures_total', () => new Counter({
    name: 'eventlogging_lake_write_failures_total', help: 'Failed part-file writes (each is retried; the partition waits).', labelNames: ['role'], registers: [registry],
  }));

  let engine: Engine | undefined;
  let source: KafkaSource | undefined;
  let refineTimer: NodeJS.Timeout | undefined;
  let refining: Promise<void> = Promise.resolve();
  let stopping = false;
  /** Hour folders holding part files, by absolute path. */
  const dirty = new Map<string, LakeHour>();
  let refinedHours = 0;
  let lastRefineError: string | undefined;

  const columnsByKey = new Map<string, Promise<readonly LakeColumn[] | undefined>>();
  /**
   * The columns of a schema revision's table (cached). A schema missing from the repository
   * refuses its records (asked again after a minute); a repository that does not answer fails the
   * write, which is retried, so the partition waits instead of dropping records.
   */
  function columnsOf(schema: string, revision: number): Promise<readonly LakeColumn[] | undefined> {
    if (schema === 'EventError') return Promise.resolve(EVENT_ERROR_COLUMNS);
    const key = `${schema}\u0000${revision}`;
    let columns = columnsByKey.get(key);
    if (columns === undefined) {
      columns = schemas.get(schema, revision).then((compiled) => capsuleColumns(eventTypeOf(compiled.eventSchema)), (error: unknown) => {
        columnsByKey.delete(key);
        if (isTransientSchemaFailure(error)) throw error;
        logger.warn({ err: error, schema, revision }, 'lake: no schema for these records; not written');
        columnsByKey.set(key, Promise.resolve(undefined));
        setTimeout(() => columnsByKey.delete(key), 60_000).unref();
        return undefined;
      });
      columnsByKey.set(key, columns);
    }
    return columns;
  }

  /** Writes one batch's rows (grouped by table, revision and hour by the engine). */
  async function writeBatch(topic: string, partition: number, batch: LineBatch): Promise<void> {
    if (batch.lines === 0) return;
    const name = `${topic.replace(/[^A-Za-z0-9_-]/g, '_')}-${partition}-${batch.firstOffset}-${batch.lastOffset}`;
    const written = await writeBatchFiles(engine!, root, name, batch, columnsOf);
    for (const [table, n] of written.rows) rowsWritten.inc({ role, table }, n);
    for (const [code, n] of written.rejected) rejected.inc({ role, code }, n);
    await Promise.all(written.files.map(async (file) => {
      filesWritten.inc({ role, kind: 'part' });
      bytesWritten.inc({ role }, file.bytes);
      const dir = join(file.path, '..');
      dirty.set(dir, file.hour);
      if (await access(join(dir, REFINED_FILE)).then(() => true, () => false)) {
        const [count] = await engine!.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(file.path)})`);
        lateRows.inc({ role, table: file.table }, Number(count?.n ?? 0));
      }
    }));
  }

  /** The write stage: batches written in order, each retried until it succeeds. */
  function write(topic: string, partition: number, plog: Logger): OperatorFunction<LineBatch, Completed> {
    return (batches) => batches.pipe(
      concatMap((batch) => new Observable<Completed>((subscriber) => {
        let cancelled = false;
        void (async () => {
          for (let attempt = 1; !cancelled; attempt += 1) {
            try {
              await writeBatch(topic, partition, batch);
              subscriber.next({ offset: batch.lastOffset, count: batch.records });
              subscriber.complete();
              return;
            } catch (error) {
              writeFailures.inc({ role });
              plog.warn({ err: error, attempt, rows: batch.lines }, 'lake: writing part files failed; retrying');
              await new Promise((r) => setTimeout(r, backoffDelay(attempt, 200, 10_000)));
            }
          }
        })();
        return () => { cancelled = true; };
      })),
    );
  }

  const pipeline: PartitionPipeline = (records, ctx) => records.pipe(
    gather({ maxLines: config.batchRows, maxBytes: BATCH_BYTES, maxMs: config.batchSeconds * 1000 }),
    tap((batch) => { if (batch.refused > 0) rejected.inc({ role, code: 'EL_VALIDATION_FAILED' }, batch.refused); }),
    write(ctx.topic, ctx.partition, ctx.logger),
  );

  /** Finds hour folders with part files (left by an earlier run) under `<root>/event`. */
  async function scanDirty(): Promise<void> {
    for (const { dir, hour } of await hourDirs(root, 'event')) if ((await partsOf(dir)).length > 0) dirty.set(dir, hour);
  }

  /** Refines every dirty hour that has been over for the refine delay. */
  async function refineDue(): Promise<void> {
    for (const [dir, hour] of [...dirty]) {
      if (stopping) return;
      if (hourEndMs(hour) + config.refineDelaySeconds * 1000 > now()) continue;
      try {
        const result = await refineHour(engine!, dir);
        if (result.parts > 0) {
          refinedHours += 1;
          refineRuns.inc({ role });
          filesWritten.inc({ role, kind: 'refined' });
          logger.info({ dir, parts: result.parts, rows: result.rows }, 'lake: hour refined');
        }
        // A part written while this hour was refined keeps it dirty.
        if ((await partsOf(dir)).length === 0) dirty.delete(dir);
        lastRefineError = undefined;
      } catch (error) {
        lastRefineError = (error as Error).message;
        logger.warn({ err: error, dir }, 'lake: refining an hour failed; it is tried again');
      }
    }
  }

  return {
    spec,
    async start() {
      // What a crash left staged is written again by the replay it causes.
      await rm(join(root, STAGING), { recursive: true, force: true });
      // What does not fit in memory spills here rather than failing the write.
      engine = await openEngine({ memoryLimit: MEMORY_LIMIT, tempDirectory: join(root, STAGING, 'spill'), connections: CONNECTIONS, threads: STATEMENT_THREADS });
      await scanDirty();
      source = createKafkaSource({
        endpoint: { brokers: input.brokers, clientId: `eventlogging-${spec.name}`, client: input.client },
        group: input.identity, topics: input.topics, pipeline, logger, registry, role,
        highWater: Math.max(config.maxInFlight, config.batchRows),
        lowWater: Math.floor(Math.max(config.maxInFlight, config.batchRows) / 2),
        ...(options.commitIntervalMs !== undefined && { commitIntervalMs: options.commitIntervalMs }),
      });
      deps.lagMonitor?.watchSource(input.identity, source, input.brokers, input.client);
      source.start();
      let busy = false;
      refineTimer = setInterval(() => {
        // A refine pass slower than the interval is not queued behind itself.
        if (busy) return;
        busy = true;
        refining = refineDue().finally(() => { busy = false; });
      }, config.refineEverySeconds * 1000);
    },
    async stop() {
      stopping = true;
      clearInterval(refineTimer);
      await source?.stop();
      await refining;
      engine?.close();
    },
    status(): RoleStatus {
      const state = source?.state() ?? 'starting';
      const lastError = source?.lastError();
      return {
        kind: spec.kind, name: spec.name, state,
        healthy: state !== 'failed',
        ready: state === 'running',
        ...(state === 'failed' && lastError ? { problem: `${lastError.code}: ${lastError.message}` } : {}),
        details: {
          group: input.identity, topics: input.topics, root, hoursWaitingForRefine: dirty.size, refinedHours,
          ...(lastRefineError !== undefined && { lastRefineError }),
          partitions: source?.partitions() ?? [], lastError, restarts: source?.restarts() ?? 0,
        },
      };
    },
  };
}

const EVENT_ERROR_COLUMNS = eventErrorColumns();

/** The daemon's factory for `DIR/lakes/<name>` roles. */
export const createLakeRole = (spec: RoleSpec, deps: RoleDeps): Role => createLake(spec, deps);
