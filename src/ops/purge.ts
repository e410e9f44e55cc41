import { createConnection, type Connection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import type { MysqlUri } from '../domain/uri.js';
import {
  describeTablePurge, idRanges, pendingRowsSql, planTablePurge, purgeBatchSql,
  type Allowlist, type TablePurge,
} from '../domain/retention.js';

/** What purge did (or, in a dry run, would do) to one table. */
export interface TablePurgeReport {
  readonly table: string;
  readonly action: TablePurge['action'];
  /** Rows matching at the start (dry run: rows that would be touched). */
  readonly pending: number;
  /** Rows deleted or sanitised (0 in a dry run). */
  readonly affected: number;
  readonly nullColumns?: readonly string[];
}

/** Inputs of {@link runPurge}; the cutoff comes from the caller's clock. */
export interface PurgeOptions {
  readonly connection: Pick<Connection, 'query'>;
  readonly database: string;
  readonly cutoff: string;
  readonly allowlist: Allowlist;
  readonly batch: number;
  readonly execute: boolean;
  /** Only tables whose name matches. */
  readonly tables?: RegExp;
  /** Progress lines (stderr in the CLI). */
  readonly progress: (line: string) => void;
}

/** Every table of `database` with its columns, in ordinal order. */
async function tableColumns(connection: PurgeOptions['connection'], database: string): Promise<Map<string, string[]>> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION',
    [database],
  );
  const tables = new Map<string, string[]>();
  for (const row of rows) {
    const table = String(row.t);
    const list = tables.get(table) ?? [];
    list.push(String(row.c));
    tables.set(table, list);
  }
  return tables;
}

/**
 * Applies the retention policy to every event table of the database: old rows are deleted, or on
 * allow-listed tables have their other columns set to NULL. Batches are primary-key ranges run as
 * separate autocommitted statements, so a long purge never holds one huge transaction (or lock)
 * and an interrupted one is resumed by running it again.
 */
export async function runPurge(options: PurgeOptions): Promise<TablePurgeReport[]> {
  const { connection, cutoff, progress } = options;
  const reports: TablePurgeReport[] = [];
  const tables = await tableColumns(connection, options.database);
  for (const [table, columns] of tables) {
    if (options.tables && !options.tables.test(table)) continue;
    const plan = planTablePurge(table, columns, options.allowlist);
    if (!plan) continue;
    const pending = pendingRowsSql(plan, cutoff);
    const [[counts]] = await connection.query<RowDataPacket[]>(pending.sql, [...pending.params]);
    const n = Number(counts?.n ?? 0);
    const base = { table, action: plan.action, pending: n, ...(plan.action === 'sanitize' ? { nullColumns: plan.nullColumns } : {}) };
    if (!options.execute || n === 0) {
      progress(`${options.execute ? '' : '[dry run] '}${describeTablePurge(plan, n)}`);
      reports.push({ ...base, affected: 0 });
      continue;
    }
    const ranges = idRanges(Number(counts!.lo), Number(counts!.hi), options.batch);
    let affected = 0;
    for (const [from, to] of ranges) {
      const statement = purgeBatchSql(plan, cutoff, from, to);
      const [result] = await connection.query<ResultSetHeader>(statement.sql, [...statement.params]);
      affected += result.affectedRows;
      progress(`${table}: ${plan.action === 'delete' ? 'deleted' : 'sanitized'} ${affected}/${n} rows (ids < ${to})`);
    }
    reports.push({ ...base, affected });
  }
  return reports;
}

/** Opens one autocommitting connection for purge or audit. */
export async function openOpsConnection(uri: MysqlUri): Promise<Connection> {
  return createConnection({
    host: uri.host, port: uri.port, user: uri.user, password: uri.password, database: uri.database,
    connectTimeout: 10_000, charset: 'utf8mb4',
  });
}
