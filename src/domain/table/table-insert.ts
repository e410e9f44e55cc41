import { quoteIdentifier } from './mysql-identifier.js';
import { insertColumns } from './table-ddl.js';
import type { TableDefinition } from './table-mapping.js';
import type { RowValue } from './table-row.js';
import { sqlValuesList } from './sql-literal.js';

/**
 * The multi-row statement the MySQL consumer runs for `rowCount` rows of `table`.
 *
 * Default: `INSERT INTO ... VALUES ... ON DUPLICATE KEY UPDATE uuid = uuid` under strict SQL mode.
 * It skips exactly what `INSERT IGNORE` was there to skip (a redelivered event: same uuid) and
 * counts it (affected rows 0, with FOUND_ROWS off), but unlike IGNORE it does not silently
 * truncate or zero a value the column cannot take: such a row fails, is isolated by bisection and
 * becomes an EventError. `replace` (the original's `replace=true`) uses `REPLACE INTO`, where a
 * redelivered event overwrites the stored row.
 */
export function insertRowsSql(table: TableDefinition, rowCount: number, mode: 'skip-duplicates' | 'replace' = 'skip-duplicates'): string {
  if (!Number.isInteger(rowCount) || rowCount < 1) throw new RangeError(`rowCount must be a positive integer, got ${rowCount}`);
  const columns = insertColumns(table);
  const tuple = `(${columns.map(() => '?').join(',')})`;
  return statement(table, Array<string>(rowCount).fill(tuple).join(','), mode);
}

/**
 * {@link insertRowsSql} with the rows written into the text (see `sqlLiteral`) instead of bound
 * to placeholders: the same statement mysql2 would send, without its per-placeholder formatting.
 * Each row holds the values of `insertColumns(table)`, in order.
 */
export function insertRowsStatement(table: TableDefinition, rows: readonly (readonly RowValue[])[], mode: 'skip-duplicates' | 'replace' = 'skip-duplicates'): string {
  if (rows.length < 1) throw new RangeError('an insert needs at least one row');
  const width = insertColumns(table).length;
  for (const row of rows) {
    if (row.length !== width) throw new RangeError(`a row of ${table.name} has ${width} values, got ${row.length}`);
  }
  return statement(table, sqlValuesList(rows), mode);
}

function statement(table: TableDefinition, values: string, mode: 'skip-duplicates' | 'replace'): string {
  const head = `${mode === 'replace' ? 'REPLACE' : 'INSERT'} INTO ${quoteIdentifier(table.name)} (${insertColumns(table).map((c) => quoteIdentifier(c.name)).join(',')}) VALUES `;
  return mode === 'replace' ? head + values : `${head}${values} ON DUPLICATE KEY UPDATE \`uuid\` = \`uuid\``;
}

/**
 * Rows stored and duplicates skipped, from the affected-row count of {@link insertRowsSql}:
 * skip-duplicates counts 1 per new row and 0 per duplicate; REPLACE counts 1 per new row and 2
 * per replaced one.
 */
export function insertOutcome(rowCount: number, affectedRows: number, mode: 'skip-duplicates' | 'replace'): { inserted: number; duplicates: number } {
  if (mode === 'replace') {
    const duplicates = Math.max(0, affectedRows - rowCount);
    return { inserted: rowCount - duplicates, duplicates };
  }
  return { inserted: affectedRows, duplicates: rowCount - affectedRows };
}
