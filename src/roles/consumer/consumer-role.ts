import { hostname } from 'node:os';
import { Counter, Histogram } from 'prom-client';
import type { ConsumerConfig, RoleSpec } from '../../domain/config/role-config.js';
import type { MysqlUri } from '../../domain/config/uri.js';
import { errorOutputOf } from '../../domain/config/error-output.js';
import { makeEventError } from '../../domain/event/event-error.js';
import type { ErrorCode } from '../../domain/errors.js';
import { createTableDdl, markTableOwnerSql, parseTableOwnerComment } from '../../domain/table/table-ddl.js';
import { withTextDt, type TableDefinition } from '../../domain/table/table-mapping.js';
import type { Role, RoleDeps, RoleStatus } from '../../daemon/role.js';
import { authFailures } from '../../adapters/kafka/kafka-client.js';
import { createKafkaSource, type KafkaSource } from '../../adapters/kafka/kafka-source.js';
import type { PartitionPipeline } from '../../adapters/kafka/kafka-record.js';
import { createDatabase, type Database } from '../../adapters/mysql/database.js';
import { openEventOutput, type EventOutput } from '../../adapters/outputs/event-output.js';
import { registryFromConfig } from '../../adapters/schemas/registry-from-config.js';
import { metricOnce } from '../../observability/metrics.js';
import { insert, type Rejected } from '../../streams/insert.js';
import { orderedMap } from '../../streams/ordered-map.js';
import { createRowMapper } from './to-insert-item.js';
import { manageRoleLifecycle } from '../../actors/role-lifecycle.js';

/**
 * The MySQL consumer role: one partition actor per assigned partition of the valid topic(s),
 * rows batched by count and time per partition, grouped per table, written idempotently, offsets
 * committed only after the database commit; a database outage pauses every partition.
 */
export function createConsumerRole(spec: RoleSpec, deps: RoleDeps): Role {
  const config = spec.config as ConsumerConfig;
  if (config.input.kind !== 'kafka-reader' || config.output.kind !== 'mysql') {
    throw new Error(`${spec.file}: a consumer role reads kafka:///...?topics=...&identity=... and writes mysql://...`);
  }
  const input = config.input;
  const mysqlUri: MysqlUri = config.output;
  const { logger, registry } = deps;
  const role = `${spec.kind}/${spec.name}`;
  const schemas = registryFromConfig(config);
  const policy = config.botPolicy === 'keep-all' ? { dropBots: false } : { dropBots: true, keepMediaWiki: true };
  const toItem = createRowMapper(schemas, policy);
  const recvFrom = hostname();
  const abort = new AbortController();

  const inserted = metricOnce(registry, 'eventlogging_mysql_rows_inserted_total', () => new Counter({
    name: 'eventlogging_mysql_rows_inserted_total', help: 'Rows stored in MySQL, per table.', labelNames: ['role', 'table'], registers: [registry],
  }));
  const duplicates = metricOnce(registry, 'eventlogging_mysql_rows_duplicate_total', () => new Counter({
    name: 'eventlogging_mysql_rows_duplicate_total', help: 'Rows skipped because their uuid was already stored (replays, redeliveries), per table.',
    labelNames: ['role', 'table'], registers: [registry],
  }));
  const rejectedTotal = metricOnce(registry, 'eventlogging_consumer_events_rejected_total', () => new Counter({
    name: 'eventlogging_consumer_events_rejected_total', help: 'Consumed events written as EventErrors instead of rows, by error code.',
    labelNames: ['role', 'code'], registers: [registry],
  }));
  const skipped = metricOnce(registry, 'eventlogging_consumer_events_skipped_total', () => new Counter({
    name: 'eventlogging_consumer_events_skipped_total', help: 'Consumed events not stored by policy (bots), by reason.',
    labelNames: ['role', 'reason'], registers: [registry],
  }));
  const insertSeconds = metricOnce(registry, 'eventlogging_mysql_insert_seconds', () => new Histogram({
    name: 'eventlogging_mysql_insert_seconds', help: 'Time of one multi-row insert statement.', labelNames: ['role'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  }));
  const batchRows = metricOnce(registry, 'eventlogging_mysql_batch_rows', () => new Histogram({
    name: 'eventlogging_mysql_batch_rows', help: 'Rows per insert statement.', labelNames: ['role'],
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 3000, 5000], registers: [registry],
  }));

  let db: Database | undefined;
  let errors: EventOutput | undefined;
  let source: KafkaSource | undefined;
  const created = new Map<string, Promise<TableDefinition>>();

  const ensureTable = (table: TableDefinition): Promise<TableDefinition> => {
    let p = created.get(table.name);
    if (!p) {
      p = (async () => {
        await db!.query(createTableDdl(table));
        // A table an earlier version created has no owner comment: mark it, so that purge and
        // audit recognise it (they touch only marked tables).
        const [row] = await db!.query<{ c: string }>(
          'SELECT TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table.name],
        );
        if (row !== undefined && parseTableOwnerComment(String(row.c)) === undefined && table.schema !== undefined && table.revision !== undefined) {
          await db!.query(markTableOwnerSql({ ...table, schema: table.schema, revision: table.revision }));
        }
        // Earlier versions typed dt as ISO text: such a table keeps it (rewriting a large table
        // is the operator's call, see the README), and its rows are written as text.
        const [dt] = await db!.query<{ t: string }>(
          "SELECT DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'dt'", [table.name],
        );
        return dt !== undefined && String(dt.t).toLowerCase() !== 'datetime' ? withTextDt(table) : table;
      })();
      // A failed CREATE is retried by the next batch, not remembered.
      p.catch(() => created.delete(table.name));
      created.set(table.name, p);
    }
    return p;
  };

  const pipeline: PartitionPipeline = (records, ctx) => {
    const reject = async (rows: readonly Rejected[]) => {
      const dt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      await errors!.write(rows.map((r) => {
        const e = makeEventError({
          code: 'consumer', rawEvent: r.raw, message: r.message, errorCode: r.errorCode as ErrorCode, stage: 'insert',
          source: { topic: ctx.topic, partition: ctx.partition, offset: r.offset },
        }, { recvFrom, dt });
        rejectedTotal.inc({ role, code: r.errorCode });
        return { schema: 'EventError', json: JSON.stringify(e) };
      }));
    };
    return records.pipe(
      // Not concatMap: a burst of synchronous inner observables recurses once per record and
      // overflows the stack on a backlog, which silently stalled the partition.
      orderedMap((record) => {
        const item = toItem(record);
        if (!(item instanceof Promise) && item.kind === 'skip') skipped.inc({ role, reason: item.reason });
        return item;
      }),
      insert({
        db: db!, logger: ctx.logger, batchSize: mysqlUri.batchSize, batchTimeMs: mysqlUri.batchTimeMs,
        mode: mysqlUri.replace ? 'replace' : 'skip-duplicates', ensureTable, reject, signal: abort.signal,
        onInserted: (table, n, dup, seconds, rows) => {
          inserted.inc({ role, table }, n);
          if (dup) duplicates.inc({ role, table }, dup);
          insertSeconds.observe({ role }, seconds);
          batchRows.observe({ role }, rows);
        },
      }),
    );
  };

  /** The connect under way, if any: closing waits for it. */

  /** Opens the EventError output, then starts consuming: no row is taken while its errors have nowhere to go. */
  async function open(signal: AbortSignal): Promise<void> {
    db ??= createDatabase({ uri: mysqlUri, logger: logger.child({ component: 'database' }), registry, role });
    const opened = await openEventOutput(errorOutputOf(config), { logger, clientId: `eventlogging-${spec.name}-errors` });
    if (signal.aborted) {
      await opened.close();
      return;
    }
    errors = opened;
    const highWater = Math.max(config.maxInFlight, mysqlUri.batchSize);
    source = createKafkaSource({
      endpoint: { brokers: input.brokers, clientId: `eventlogging-${spec.name}`, client: input.client },
      group: input.identity, topics: input.topics, pipeline, logger, registry, role,
      // Past the high-water mark the partition pauses, and it resumes at half of it. The half
      // left must outlast a resume (a resumed partition's next fetch can wait up to the
      // fetch-wait time, 200 ms): at 5,000 / 2,500 the database went idle between pauses
      // and the bench lost a fifth of its rate. A full batch always fits.
      highWater,
      lowWater: Math.floor(highWater / 2),
    });
    deps.lagMonitor?.watchSource(input.identity, source, input.brokers, input.client);
    source.start();
  }

  // An unreachable EventError cluster at start is retried (capped backoff) like the processor's
  // outputs, instead of failing the daemon's start; a refused login fails this role only.
  const lifecycle = manageRoleLifecycle(open, async () => {
    // The source drains (rows stored, offsets committed) before its outputs close.
    await source?.stop();
    abort.abort();
    await errors?.close();
    await db?.close();
  }, {
    logger, what: 'consumer EventError output', onFatal: deps.onFatal,
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
      const database = db?.status();
      const lastError = source?.lastError();
      return {
        kind: spec.kind, name: spec.name, state,
        healthy: state !== 'failed',
        ready: state === 'running' && database?.state === 'up',
        ...(problem ?? (state === 'failed' && lastError) ? { problem: problem ?? `${lastError!.code}: ${lastError!.message}` } : {}),
        details: { group: input.identity, topics: input.topics, database, partitions: source?.partitions() ?? [], lastError: source?.lastError(), restarts: source?.restarts() ?? 0 },
      };
    },
  };
}
