import { Observable, bufferTime, concatMap, filter, type OperatorFunction } from 'rxjs';
import type { Logger } from 'pino';
import type { Completed } from '../adapters/kafka/kafka-record.js';
import type { Database } from '../adapters/mysql/database.js';
import type { ElError } from '../domain/errors.js';
import type { TableDefinition } from '../domain/table/table-mapping.js';
import { adaptRow, type RowValue } from '../domain/table/table-row.js';
import { insertOutcome, insertRowsStatement } from '../domain/table/table-insert.js';

/** One consumed record on its way to the database: a row, a record to skip, or one that already failed. */
export type InsertItem =
  | { readonly kind: 'row'; readonly offset: number; readonly table: TableDefinition; readonly row: readonly RowValue[]; readonly raw: string }
  | { readonly kind: 'skip'; readonly offset: number; readonly reason: 'bot' }
  | { readonly kind: 'failed'; readonly offset: number; readonly raw: string; readonly message: string; readonly errorCode: string };

/** A record the database (or an earlier step) would not take; it becomes an EventError. */
export interface Rejected {
  readonly offset: number;
  readonly raw: string;
  readonly message: string;
  readonly errorCode: string;
  readonly table?: string;
}

/** What `insert` needs. */
export interface InsertDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly batchSize: number;
  readonly batchTimeMs: number;
  readonly mode: 'skip-duplicates' | 'replace';
  /**
   * Creates the table if needed (cached by the caller). Resolves to the definition rows must be
   * written with when the existing table differs (an earlier version's), else to nothing.
   */
  readonly ensureTable: (table: TableDefinition) => Promise<TableDefinition | void>;
  /** Writes EventErrors durably; the batch completes only after it resolves. */
  readonly reject: (rejected: readonly Rejected[]) => Promise<void>;
  readonly onInserted?: (table: string, inserted: number, duplicates: number, seconds: number, rows: number) => void;
  readonly signal?: AbortSignal;
}

type RowItem = Extract<InsertItem, { kind: 'row' }>;

/**
 * Batches records by count and by time (a timer, not the next record), groups each batch per
 * table and writes each group with one multi-row statement. A connection failure waits for the
 * database supervisor to see the database up and retries the same rows (the partition pauses
 * meanwhile); any other failure splits the group in halves until the rows that fail are alone,
 * so the good rows are stored and only a truly bad row becomes an EventError. The completion mark
 * of a batch is emitted after its rows are committed and its EventErrors written.
 */
export function insert(deps: InsertDeps): OperatorFunction<InsertItem, Completed> {
  const { db } = deps;

  async function write(table: TableDefinition, items: readonly RowItem[], rejected: Rejected[]): Promise<void> {
    for (;;) {
      await db.whenUp(deps.signal);
      const started = performance.now();
      try {
        // Values written into the statement text: mysql2's placeholder formatting (a template of
        // 20,000 placeholders per 1,000-row batch) was 15 % of the consumer's profile samples.
        const rows = new Array<readonly RowValue[]>(items.length);
        for (let i = 0; i < items.length; i += 1) rows[i] = items[i]!.row;
        const result = await db.query<never>(insertRowsStatement(table, rows, deps.mode)) as unknown as { affectedRows: number };
        const { inserted, duplicates } = insertOutcome(items.length, result.affectedRows, deps.mode);
        deps.onInserted?.(table.name, inserted, duplicates, (performance.now() - started) / 1000, items.length);
        return;
      } catch (e) {
        const error = e as ElError;
        if (error.code === 'EL_DB_UNAVAILABLE') continue; // whenUp() waits for the supervisor's probe
        if (items.length === 1) {
          const item = items[0]!;
          rejected.push({ offset: item.offset, raw: item.raw, message: error.message, errorCode: error.code ?? 'EL_ROW_REJECTED', table: table.name });
          return;
        }
        const mid = Math.ceil(items.length / 2);
        await write(table, items.slice(0, mid), rejected);
        await write(table, items.slice(mid), rejected);
        return;
      }
    }
  }

  async function ensure(table: TableDefinition): Promise<{ readonly table: TableDefinition } | { readonly error: string }> {
    for (;;) {
      await db.whenUp(deps.signal);
      try {
        return { table: (await deps.ensureTable(table)) ?? table };
      } catch (e) {
        const error = e as ElError;
        if (error.code === 'EL_DB_UNAVAILABLE') continue;
        return { error: error.message };
      }
    }
  }

  async function flush(batch: readonly InsertItem[]): Promise<void> {
    const rejected: Rejected[] = [];
    const groups = new Map<string, { table: TableDefinition; items: RowItem[] }>();
    for (const item of batch) {
      if (item.kind === 'failed') rejected.push({ offset: item.offset, raw: item.raw, message: item.message, errorCode: item.errorCode });
      if (item.kind !== 'row') continue;
      const g = groups.get(item.table.name) ?? { table: item.table, items: [] };
      g.items.push(item);
      groups.set(item.table.name, g);
    }
    for (const { table, items } of groups.values()) {
      const ensured = await ensure(table);
      if ('error' in ensured) {
        // A table that cannot be created fails its rows alone, not the batch.
        for (const item of items) rejected.push({ offset: item.offset, raw: item.raw, message: `cannot create table ${table.name}: ${ensured.error}`, errorCode: 'EL_ROW_REJECTED', table: table.name });
        continue;
      }
      const existing = ensured.table;
      await write(existing, existing === table ? items : items.map((item) => ({ ...item, table: existing, row: adaptRow(table, existing, item.row) })), rejected);
    }
    if (rejected.length > 0) {
      deps.logger.warn({ rejected: rejected.length, first: rejected[0]?.message }, 'rows rejected by the database; written as EventErrors');
      await deps.reject(rejected);
    }
  }

  return (source) => source.pipe(
    bufferTime(deps.batchTimeMs, null, deps.batchSize),
    filter((batch) => batch.length > 0),
    concatMap((batch) => new Observable<Completed>((subscriber) => {
      flush(batch).then(
        () => {
          subscriber.next({ offset: batch[batch.length - 1]!.offset, count: batch.length });
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(error),
      );
    })),
  );
}
