import { quoteIdentifier } from './mysql-identifier.js';
import { insertColumns } from './table-ddl.js';
import type { TableDefinition } from './table-mapping.js';

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
  const head = `${mode === 'replace' ? 'REPLACE' : 'INSERT'} INTO ${quoteIdentifier(table.name)} (${columns.map((c) => quoteIdentifier(c.name)).join(',')}) VALUES `;
  const values = Array<string>(rowCount).fill(tuple).join(',');
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
