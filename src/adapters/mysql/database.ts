import { createPool, type Pool, type ResultSetHeader } from 'mysql2/promise';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MysqlUri } from '../../domain/config/uri.js';
import { classifyError } from '../../supervision/classify-error.js';
import { databaseMachine, databaseStateName } from '../../supervision/database.machine.js';
import { metricOnce } from '../../observability/metrics.js';
import type { ElError } from '../../domain/errors.js';

/** A supervised connection pool: writers wait on `whenUp()` and report failures with `report()`. */
export interface Database {
  /** Resolves when the database is up (at once if it is); rejects if `signal` aborts first. */
  whenUp(signal?: AbortSignal): Promise<void>;
  /** Runs one statement; rejects with a classified {@link ElError} (connection failures are reported to the supervisor). */
  execute(sql: string, params?: readonly unknown[]): Promise<ResultSetHeader>;
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  state(): 'up' | 'failing' | 'down' | 'stopped';
  status(): { state: string; outages: number; lastError: { code: string; message: string } | undefined };
  close(): Promise<void>;
}

const STATES = ['up', 'failing', 'down', 'stopped'] as const;

/**
 * Opens a pool on `uri` under the database supervisor. Connection errors move the supervisor to
 * failing/down, where it probes with capped backoff; statements are only retried by their caller
 * once `whenUp()` resolves again.
 */
export function createDatabase(options: { uri: MysqlUri; logger: Logger; registry: Registry; role: string; poolSize?: number }): Database {
  const { uri, logger, registry, role } = options;
  const pool: Pool = createPool({
    host: uri.host, port: uri.port, user: uri.user, password: uri.password, database: uri.database,
    connectionLimit: options.poolSize ?? 4, charset: 'utf8mb4_unicode_ci', connectTimeout: 5000,
    enableKeepAlive: true, supportBigNumbers: true, bigNumberStrings: true,
    // Without FOUND_ROWS a skipped duplicate counts 0 affected rows, which is how duplicates are counted.
    flags: ['-FOUND_ROWS'],
    // Strict mode: a value a column cannot take is an error (and its row an EventError), never a silent truncation.
    // Connection-level init runs on every new pooled connection.
  });
  pool.on('connection', (connection) => {
    connection.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', SESSION time_zone = '+00:00'");
  });
  const stateGauge = metricOnce(registry, 'eventlogging_database_state_info', () => new Gauge({
    name: 'eventlogging_database_state_info', help: '1 for the current database supervisor state (up, failing, down, stopped) of each consumer role.',
    labelNames: ['role', 'state'], registers: [registry],
  }));
  const outagesTotal = metricOnce(registry, 'eventlogging_database_outages_total', () => new Counter({
    name: 'eventlogging_database_outages_total', help: 'Times the database went from up to failing, by error code.',
    labelNames: ['role', 'code'], registers: [registry],
  }));

  const actor = createActor(databaseMachine.provide({
    actors: {
      probe: fromPromise(async () => {
        await pool.query('SELECT 1');
      }),
    },
  }), { input: { backoffInitialMs: 250, backoffMaxMs: 10_000, downAfter: 5 } });
  let last = '';
  actor.subscribe({
    next: (snapshot) => {
      const state = databaseStateName(snapshot.value);
      if (state === last) return;
      for (const s of STATES) stateGauge.set({ role, state: s }, s === state ? 1 : 0);
      if (state === 'failing' && last === 'up') outagesTotal.inc({ role, code: snapshot.context.lastError?.code ?? 'EL_DB_UNAVAILABLE' });
      const level = state === 'up' ? 'info' : 'warn';
      logger[level]({ database: `${uri.host}:${uri.port}/${uri.database}`, state, lastError: snapshot.context.lastError }, `database ${state}`);
      last = state;
    },
    error: (error) => logger.fatal({ err: error }, 'database supervisor crashed'),
  });
  actor.start();

  function report(error: ElError): void {
    if (error.code === 'EL_DB_UNAVAILABLE') actor.send({ type: 'db.failed', code: error.code, message: error.message });
  }

  async function run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      const error = classifyError(cause, 'db');
      report(error);
      throw error;
    }
  }

  return {
    async whenUp(signal) {
      if (databaseStateName(actor.getSnapshot().value) === 'up') return;
      await waitFor(actor, (s) => s.value === 'up' || s.value === 'stopped', signal ? { signal } : {});
    },
    execute: (sql, params = []) => run(async () => (await pool.execute(sql, params as never[]))[0] as ResultSetHeader),
    query: <T>(sql: string, params: readonly unknown[] = []) => run(async () => (await pool.query(sql, params as never[]))[0] as T[]),
    state: () => databaseStateName(actor.getSnapshot().value),
    status: () => {
      const s = actor.getSnapshot();
      return { state: databaseStateName(s.value), outages: s.context.outages, lastError: s.context.lastError };
    },
    async close() {
      actor.send({ type: 'db.stop' });
      actor.stop();
      await pool.end().catch(() => undefined);
    },
  };
}
