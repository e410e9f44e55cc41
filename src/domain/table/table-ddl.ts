import { sqlLiteral } from './sql-literal.js';
import { quoteIdentifier } from './mysql-identifier.js';
import type { TableColumn, TableDefinition } from './table-mapping.js';

/** Name of the unique key on `uuid`: duplicates from at-least-once delivery are ignored by it. */
export const UUID_KEY = 'ix_uuid';
/** Name of the index on `timestamp`. */
export const TIMESTAMP_KEY = 'ix_timestamp';
/** Name of the index on `dt`. */
export const DT_KEY = 'ix_dt';

function columnDdl(column: TableColumn): string {
  const name = quoteIdentifier(column.name);
  if (column.source.kind === 'id') return `${name} BIGINT NOT NULL AUTO_INCREMENT`;
  // uuid is NOT NULL: a unique key lets any number of NULLs through, which would defeat dedup.
  if (column.source.kind === 'capsule' && column.source.field === 'uuid') return `${name} CHAR(32) NOT NULL`;
  return `${name} ${column.sqlType} NULL DEFAULT NULL`;
}

/**
 * `CREATE TABLE IF NOT EXISTS` for an event table: InnoDB, utf8mb4, primary key `id`, unique key
 * on `uuid`, indexes on `timestamp` and `dt`. Every identifier is quoted; no value is interpolated.
 */
export function createTableDdl(table: TableDefinition): string {
  const lines = table.columns.map(columnDdl);
  lines.push('PRIMARY KEY (`id`)');
  lines.push(`UNIQUE KEY ${quoteIdentifier(UUID_KEY)} (\`uuid\`)`);
  lines.push(`KEY ${quoteIdentifier(TIMESTAMP_KEY)} (\`timestamp\`)`);
  lines.push(`KEY ${quoteIdentifier(DT_KEY)} (\`dt\`)`);
  const comment = table.schema !== undefined && table.revision !== undefined ? ` COMMENT=${sqlLiteral(tableOwnerComment(table.schema, table.revision))}` : '';
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(table.name)} (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4${comment}`;
}

const insertColumnsOf = new WeakMap<TableDefinition, readonly TableColumn[]>();

/** The columns a row supplies, in order: every column except the auto-increment `id`. */
export function insertColumns(table: TableDefinition): readonly TableColumn[] {
  // Asked once per row on the consumer's hot path: computed once per table definition.
  let columns = insertColumnsOf.get(table);
  if (!columns) {
    columns = Object.freeze(table.columns.filter((c) => c.source.kind !== 'id'));
    insertColumnsOf.set(table, columns);
  }
  return columns;
}

/**
 * A multi-row `INSERT IGNORE INTO <table> (<columns>) VALUES (?, ...), ...` with placeholders for
 * `rowCount` rows of {@link insertColumns}; pass the rows' values (from `rowFor`) flattened.
 * IGNORE makes a redelivered event (same uuid) a no-op rather than an error.
 */
export function insertIgnoreSql(table: TableDefinition, rowCount: number): string {
  if (!Number.isInteger(rowCount) || rowCount < 1) throw new RangeError(`rowCount must be a positive integer, got ${rowCount}`);
  const columns = insertColumns(table);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return `INSERT IGNORE INTO ${quoteIdentifier(table.name)} (${columns.map((c) => quoteIdentifier(c.name)).join(', ')}) VALUES ${Array<string>(rowCount).fill(tuple).join(', ')}`;
}

const OWNER_COMMENT = /^eventlogging schema=(\S{1,200}) revision=(\d{1,15})$/;

/**
 * The comment the consumer writes on every table it creates: `eventlogging schema=<name>
 * revision=<n>`. It is how `purge` knows a table is ours and which schema it holds, whatever its
 * (possibly shortened) name says, and never touches a table that is not.
 */
export function tableOwnerComment(schema: string, revision: number): string {
  return `eventlogging schema=${schema} revision=${revision}`;
}

/** The schema and revision a table comment names, or undefined when the table is not ours. */
export function parseTableOwnerComment(comment: string): { readonly schema: string; readonly revision: number } | undefined {
  const m = OWNER_COMMENT.exec(comment);
  return m === null ? undefined : { schema: m[1]!, revision: Number(m[2]) };
}

/** `ALTER TABLE ... COMMENT`: marks a table of an earlier version (created without the comment) as ours. */
export function markTableOwnerSql(table: TableDefinition & { readonly schema: string; readonly revision: number }): string {
  return `ALTER TABLE ${quoteIdentifier(table.name)} COMMENT=${sqlLiteral(tableOwnerComment(table.schema, table.revision))}`;
}
