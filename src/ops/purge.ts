import { createConnection, type Connection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { ElError } from '../domain/errors.js';
import type { MysqlUri } from '../domain/config/uri.js';
import {
  allowlistProblems, describeTablePurge, idRanges, pendingRowsSql, planTablePurge, purgeBatchSql,
  type Allowlist, type OwnedTable, type TablePurge,
} from '../domain/table/retention.js';
import { parseTableOwnerComment, TIMESTAMP_KEY, UUID_KEY } from '../domain/table/table-ddl.js';
import { CAPSULE_COLUMN_NAMES } from '../domain/table/table-mapping.js';


/** The owner of an event table created before tables carried their owner comment. */
function legacyOwner(table: string, columns: readonly string[]): { schema: string; revision: number } | undefined {
  const m = /^(.+)_(\d+)$/.exec(table);
  if (m === null || CAPSULE_COLUMN_NAMES.some((c, i) => columns[i] !== c)) return undefined;
  return { schema: m[1]!, revision: Number(m[2]) };
}

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

/** What {@link runPurge} did, and the allow list's entries and columns that match nothing. */
export interface PurgeResult {
  readonly tables: readonly TablePurgeReport[];
  readonly allowlistProblems: readonly string[];
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

/**
 * The tables of `database` the consumer created (their comment names the schema they hold; see
 * `tableOwnerComment`), with their columns in ordinal order. Any other table is not purge's.
 */
export async function ownedTables(connection: PurgeOptions['connection'], database: string): Promise<OwnedTable[]> {
  const [tableRows] = await connection.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS t, TABLE_COMMENT AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [database],
  );
  const [columnRows] = await connection.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION',
    [database],
  );
  const columns = new Map<string, string[]>();
  for (const row of columnRows) {
    const list = columns.get(String(row.t)) ?? [];
    list.push(String(row.c));
    columns.set(String(row.t), list);
  }
  // A table from before the owner comment is recognised by what the consumer also wrote: its two
  // named keys and the capsule columns. Its schema then comes from its name (`Schema_123`).
  const [keyRows] = await connection.query<RowDataPacket[]>(
    'SELECT DISTINCT TABLE_NAME AS t, INDEX_NAME AS k FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND INDEX_NAME IN (?, ?)',
    [database, UUID_KEY, TIMESTAMP_KEY],
  );
  const keys = new Map<string, number>();
  for (const row of keyRows) keys.set(String(row.t), (keys.get(String(row.t)) ?? 0) + 1);
  const owned: OwnedTable[] = [];
  for (const row of tableRows) {
    const table = String(row.t);
    const tableColumns = columns.get(table) ?? [];
    const owner = parseTableOwnerComment(String(row.c ?? '')) ?? (keys.get(table) === 2 ? legacyOwner(table, tableColumns) : undefined);
    if (owner !== undefined) owned.push({ table, ...owner, columns: tableColumns });
  }
  return owned;
}

/**
 * Applies the retention policy to every table the consumer created (and no other): old rows are deleted, or on
 * allow-listed tables have their other columns set to NULL. Batches are primary-key ranges run as
 * separate autocommitted statements, so a long purge never holds one huge transaction (or lock)
 * and an interrupted one is resumed by running it again.
 */
export async function runPurge(options: PurgeOptions): Promise<PurgeResult> {
  const { connection, cutoff, progress } = options;
  const reports: TablePurgeReport[] = [];
  const tables = await ownedTables(connection, options.database);
  const problems = allowlistProblems(tables, options.allowlist);
  for (const problem of problems) progress(`allow list: ${problem}`);
  // A typo in the allow list would delete rows it meant to keep: nothing is executed until it is fixed.
  if (options.execute && problems.length > 0) {
    throw new ElError('EL_CONFIG_INVALID', `the allow list does not match the tables; nothing was purged:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  for (const owned of tables) {
    const { table } = owned;
    if (options.tables && !options.tables.test(table)) continue;
    const plan = planTablePurge(owned, options.allowlist);
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
  return { tables: reports, allowlistProblems: problems };
}

/** Opens one autocommitting connection for purge or audit. */
export async function openOpsConnection(uri: MysqlUri): Promise<Connection> {
  return createConnection({
    host: uri.host, port: uri.port, user: uri.user, password: uri.password, database: uri.database,
    connectTimeout: 10_000, charset: 'utf8mb4',
  });
}
