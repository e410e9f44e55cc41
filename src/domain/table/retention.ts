import { ElError } from '../errors.js';
import { quoteIdentifier } from './mysql-identifier.js';

/** Columns every allow-listed table keeps whatever the list says: the row's identity and time. */
export const ALWAYS_KEPT_COLUMNS: readonly string[] = Object.freeze(['id', 'uuid', 'timestamp']);

/** The default retention period, in days (the data retention guidelines). */
export const DEFAULT_RETENTION_DAYS = 90;

/** Allow list: table name (`Schema_123`) or schema name (`Schema`, every revision) → kept columns. */
export type Allowlist = ReadonlyMap<string, readonly string[]>;

const DAY_MS = 86_400_000;
const two = (n: number): string => String(n).padStart(2, '0');

/**
 * The MediaWiki timestamp (`YYYYMMDDHHMMSS`, UTC) before which rows are purged: `nowMs` minus
 * `days` whole days. The clock is the caller's.
 */
export function retentionCutoff(nowMs: number, days: number): string {
  if (!Number.isInteger(days) || days < 1) throw new ElError('EL_USAGE', `--days must be a whole number ≥ 1, got ${days}`);
  const d = new Date(nowMs - days * DAY_MS);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

/**
 * Validates a parsed allow-list document: a mapping of table or schema names to lists of column
 * names. Every mistake is listed at once.
 */
export function parseAllowlist(doc: unknown): Allowlist {
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ElError('EL_CONFIG_INVALID', 'allow list: expected a mapping of table or schema names to lists of columns');
  const problems: string[] = [];
  const list = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!Array.isArray(value) || !value.every((c) => typeof c === 'string' && c.length > 0)) {
      problems.push(`${key}: expected a list of column names`);
      continue;
    }
    list.set(key, Object.freeze([...new Set(value as string[])]));
  }
  if (problems.length) throw new ElError('EL_CONFIG_INVALID', `allow list:\n  ${problems.join('\n  ')}`, { details: { problems } });
  return list;
}

/** A table the consumer created: its name, the schema and revision its comment names, its columns. */
export interface OwnedTable {
  readonly table: string;
  readonly schema: string;
  readonly revision: number;
  readonly columns: readonly string[];
}

/** The allow-listed columns of a table: by its exact name first, else by its schema's exact name. */
export function allowedColumnsFor(table: Pick<OwnedTable, 'table' | 'schema'>, allowlist: Allowlist): readonly string[] | undefined {
  return allowlist.get(table.table) ?? allowlist.get(table.schema);
}

/** What purge does to one table's old rows. */
export type TablePurge =
  | { readonly table: string; readonly action: 'delete' }
  | { readonly table: string; readonly action: 'sanitize'; readonly nullColumns: readonly string[]; readonly keptColumns: readonly string[] };

/**
 * The purge of one of our tables (see `parseTableOwnerComment`; purge never plans any other).
 * Columns match the allow list exactly. An allow-listed table whose every column is kept needs
 * nothing: undefined.
 */
export function planTablePurge(owned: OwnedTable, allowlist: Allowlist): TablePurge | undefined {
  const { table, columns } = owned;
  const allowed = allowedColumnsFor(owned, allowlist);
  if (!allowed) return { table, action: 'delete' };
  const keep = new Set([...ALWAYS_KEPT_COLUMNS, ...allowed]);
  const nullColumns = columns.filter((c) => !keep.has(c));
  if (nullColumns.length === 0) return undefined;
  return { table, action: 'sanitize', nullColumns, keptColumns: columns.filter((c) => keep.has(c)) };
}

/**
 * Allow-list mistakes, one line each: an entry that names no table or schema of ours (a typo
 * would otherwise delete what it meant to keep), and a listed column that a matched table lacks.
 */
export function allowlistProblems(tables: readonly OwnedTable[], allowlist: Allowlist): string[] {
  const problems: string[] = [];
  for (const [entry, columns] of allowlist) {
    const matched = tables.filter((t) => t.table === entry || (t.schema === entry && !allowlist.has(t.table)));
    if (matched.length === 0) {
      problems.push(`allow list entry ${JSON.stringify(entry)} matches no event table or schema`);
      continue;
    }
    for (const column of columns) {
      if (ALWAYS_KEPT_COLUMNS.includes(column)) continue;
      const lacking = matched.filter((t) => !t.columns.includes(column)).map((t) => t.table);
      if (lacking.length === matched.length) problems.push(`allow list entry ${JSON.stringify(entry)}: column ${JSON.stringify(column)} is in none of its tables (${lacking.join(', ')})`);
    }
  }
  return problems;
}

/** One parameterised statement. */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly (string | number)[];
}

/**
 * Rows still to purge: older than the cutoff and, for a sanitised table, with something left to
 * null. That second half is what makes a re-run continue where the last one stopped.
 */
function pendingCondition(plan: TablePurge): string {
  const old = `${quoteIdentifier('timestamp')} < ?`;
  if (plan.action === 'delete') return old;
  return `${old} AND (${plan.nullColumns.map((c) => `${quoteIdentifier(c)} IS NOT NULL`).join(' OR ')})`;
}

/** Counts the rows the purge would touch, and their id range: `SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi ...`. */
export function pendingRowsSql(plan: TablePurge, cutoff: string): SqlStatement {
  return {
    sql: `SELECT COUNT(*) AS n, MIN(${quoteIdentifier('id')}) AS lo, MAX(${quoteIdentifier('id')}) AS hi FROM ${quoteIdentifier(plan.table)} WHERE ${pendingCondition(plan)}`,
    params: [cutoff],
  };
}

/**
 * The statement for one batch, the primary-key range `[fromId, toId)`: a DELETE, or an UPDATE
 * setting the non-kept columns to NULL. Each runs (and commits) on its own, so an interrupted
 * purge loses at most one batch of work and a re-run picks up the rest.
 */
export function purgeBatchSql(plan: TablePurge, cutoff: string, fromId: number, toId: number): SqlStatement {
  const range = `${quoteIdentifier('id')} >= ? AND ${quoteIdentifier('id')} < ?`;
  const where = `${range} AND ${pendingCondition(plan)}`;
  const sql = plan.action === 'delete'
    ? `DELETE FROM ${quoteIdentifier(plan.table)} WHERE ${where}`
    : `UPDATE ${quoteIdentifier(plan.table)} SET ${plan.nullColumns.map((c) => `${quoteIdentifier(c)} = NULL`).join(', ')} WHERE ${where}`;
  return { sql, params: [fromId, toId, cutoff] };
}

/** The `[from, to)` id ranges of `batch` ids each covering `lo..hi` inclusive. */
export function idRanges(lo: number, hi: number, batch: number): Array<readonly [number, number]> {
  if (!Number.isInteger(batch) || batch < 1) throw new ElError('EL_USAGE', `--batch must be a whole number ≥ 1, got ${batch}`);
  const ranges: Array<readonly [number, number]> = [];
  for (let from = lo; from <= hi; from += batch) ranges.push([from, Math.min(from + batch, hi + 1)]);
  return ranges;
}

/** A one-line description of a table's purge, for the dry run and the report. */
export function describeTablePurge(plan: TablePurge, rows: number): string {
  return plan.action === 'delete'
    ? `${plan.table}: ${rows} rows to delete`
    : `${plan.table}: ${rows} rows to sanitize (set NULL: ${plan.nullColumns.join(', ')}; keep: ${plan.keptColumns.join(', ')})`;
}
