/**
 * The lake consumer role: reads capsule topics and the EventError topic and writes Hive-style
 * hourly Parquet partitions (src/domain/lake/lake-layout.ts). Each partition's records are gathered
 * (by count and time), grouped by table, revision and hour, and written as part files; offsets
 * are committed only after the files are renamed into place, so a crash or a replay writes some
 * rows again and never loses one. Refining merges a closed hour's parts into one file with one
 * row per uuid, once the hour has been over for the refine delay; a late event reopens its hour.
 */
import { access, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Counter } from 'prom-client';
import { Observable, concatMap, type OperatorFunction } from 'rxjs';
import type { Logger } from 'pino';
import type { LakeConfig, RoleSpec } from '../domain/config/role-config.js';
import { errorOutputOf } from '../domain/config/error-output.js';
import { makeEventError, type EventErrorInput } from '../domain/event/event-error.js';
import type { ErrorCode } from '../domain/errors.js';
import { capsuleColumns, eventErrorColumns, eventTypeOf, quoteLiteral, type LakeColumn } from '../domain/lake/lake-columns.js';
import { REFINED_FILE, hourEndMs, type LakeHour } from '../domain/lake/lake-layout.js';
import type { Role, RoleDeps, RoleStatus } from '../daemon/role.js';
import type { Completed, PartitionPipeline } from '../adapters/kafka/kafka-record.js';
import { createKafkaSource, type KafkaSource } from '../adapters/kafka/kafka-source.js';
import { authFailures } from '../adapters/kafka/kafka-client.js';
import { openEventOutput, type EventOutput } from '../adapters/outputs/event-output.js';
import { manageRoleLifecycle } from '../actors/role-lifecycle.js';
import { metricOnce } from '../observability/metrics.js';
import { registryFromConfig } from '../adapters/schemas/registry-from-config.js';
import { isTransientSchemaFailure } from '../domain/schema/schema-failure.js';
import { backoffDelay } from '../supervision/backoff.js';
import { gather, type LineBatch, type RefusalReason } from '../streams/gather.js';
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
  let errors: EventOutput | undefined;
  let source: KafkaSource | undefined;
  const recvFrom = hostname();
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

  /**
   * Writes one batch's rows (grouped by table, revision and hour by the engine), then the
   * EventErrors of its records that became no row: the batch completes, and its offsets may be
   * committed, only once both are durable.
   */
  async function writeBatch(topic: string, partition: number, batch: LineBatch, plog: Logger): Promise<void> {
    const failures: EventErrorInput[] = batch.refusals.map((r) => ({
      code: 'consumer', stage: 'lake', errorCode: 'EL_PARSE_FAILED', rawEvent: r.raw, message: REFUSAL_MESSAGES[r.reason],
      source: { topic, partition, offset: r.offset },
    }));
    if (batch.lines > 0) {
      const name = `${topic.replace(/[^A-Za-z0-9_-]/g, '_')}-${partition}-${batch.firstOffset}-${batch.lastOffset}`;
      const written = await writeBatchFiles(engine!, root, name, batch, columnsOf);
      for (const [table, n] of written.rows) rowsWritten.inc({ role, table }, n);
      await countFiles(written.files);
      for (const r of written.rejectedLines) {
        failures.push({
          code: 'consumer', stage: 'lake', errorCode: r.errorCode, rawEvent: r.raw,
          message: r.errorCode === 'EL_SCHEMA_NOT_FOUND' ? `schema ${r.schema ?? '?'} revision ${r.revision ?? '?'} is not in the lake's schema repository` : INVALID_MESSAGE,
          ...(r.schema !== undefined && { schema: r.schema }), ...(r.revision !== undefined && { revision: r.revision }),
          source: { topic, partition, offset: batch.offsets[r.line] ?? batch.lastOffset },
        });
      }
      const expected = [...written.rejected.values()].reduce((a, b) => a + b, 0);
      if (expected !== written.rejectedLines.length) {
        plog.warn({ expected, found: written.rejectedLines.length }, 'lake: the records left out and those found again differ; EventErrors are written for those found');
      }
    }
    if (failures.length === 0) return;
    const dt = new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await errors!.write(failures.map((f) => ({ schema: 'EventError', json: JSON.stringify(makeEventError(f, { recvFrom, dt })) })));
    for (const f of failures) rejected.inc({ role, code: f.errorCode as ErrorCode });
  }

  /** Counts a batch's part files; a file written into a refined hour counts its rows as late. */
  async function countFiles(files: Awaited<ReturnType<typeof writeBatchFiles>>['files']): Promise<void> {
    await Promise.all(files.map(async (file) => {
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
              await writeBatch(topic, partition, batch, plog);
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

  /**
   * Opens DuckDB (once) and the EventError output, then starts consuming: no record is taken
   * while its EventError would have nowhere to go. A failure is retried by the lifecycle.
   */
  async function open(signal: AbortSignal): Promise<void> {
    if (engine === undefined) {
      // What a crash left staged is written again by the replay it causes.
      await rm(join(root, STAGING), { recursive: true, force: true });
      // What does not fit in memory spills here rather than failing the write.
      engine = await openEngine({ memoryLimit: MEMORY_LIMIT, tempDirectory: join(root, STAGING, 'spill'), connections: CONNECTIONS, threads: STATEMENT_THREADS });
      await scanDirty();
    }
    const opened = await openEventOutput(errorOutputOf(config), { logger, clientId: `eventlogging-${spec.name}-errors` });
    if (signal.aborted) {
      await opened.close();
      return;
    }
    errors = opened;
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
  }

  const lifecycle = manageRoleLifecycle(open, async () => {
    stopping = true;
    clearInterval(refineTimer);
    // The source drains (files written, EventErrors sent, offsets committed) before the outputs close.
    await source?.stop();
    await refining;
    await errors?.close();
    engine?.close();
    engine = undefined;
  }, {
    logger, what: 'lake EventError output', onFatal: deps.onFatal,
    onAuthFailure: () => authFailures(registry).inc({ role, client: 'producer' }),
  });

  return {
    spec,
    async start() {
      lifecycle.start();
    },
    async stop() {
      await lifecycle.stop();
    },
    status(): RoleStatus {
      const life = lifecycle.state();
      const problem = lifecycle.problem();
      const state = life === 'running' ? source?.state() ?? 'starting' : life;
      const lastError = source?.lastError();
      return {
        kind: spec.kind, name: spec.name, state,
        healthy: state !== 'failed',
        ready: state === 'running',
        ...(problem ?? (state === 'failed' && lastError) ? { problem: problem ?? `${lastError!.code}: ${lastError!.message}` } : {}),
        details: {
          group: input.identity, topics: input.topics, root, hoursWaitingForRefine: dirty.size, refinedHours,
          ...(lastRefineError !== undefined && { lastRefineError }),
          partitions: source?.partitions() ?? [], lastError, restarts: source?.restarts() ?? 0,
        },
      };
    },
  };
}

/** What the EventError of a record refused before the engine says. */
const REFUSAL_MESSAGES: Readonly<Record<RefusalReason, string>> = {
  'tombstone': 'a record without a value (a tombstone): not a capsule',
  'not-an-object': 'a record that does not start a JSON object: not a capsule',
  'line-break': 'a record holding a line break: not one JSON-lines record',
};

const INVALID_MESSAGE = 'not a capsule the lake can store: it needs a schema name, a revision of 1 or more, a uuid, '
  + 'a dt in UTC ending in Z and an object event';

const EVENT_ERROR_COLUMNS = eventErrorColumns();

/** The daemon's factory for `DIR/lakes/<name>` roles. */
export const createLakeRole = (spec: RoleSpec, deps: RoleDeps): Role => createLake(spec, deps);
