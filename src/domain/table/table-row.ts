import { insertColumns } from './table-ddl.js';
import { normalizeDt } from '../event/iso-time.js';
import { mediawikiTimestamp as timestampOfNormalizedDt } from './mediawiki-timestamp.js';
import type { TableColumn, TableDefinition } from './table-mapping.js';

/** The capsule fields a row is made of (structurally a subset of the EventCapsule). */
export interface RowCapsule {
  readonly event: unknown;
  readonly uuid: string;
  readonly dt: string;
  readonly wiki?: string;
  readonly webHost?: string;
  readonly userAgent?: unknown;
}

/** A value bound to a placeholder: mysql2 sends these as they are. */
export type RowValue = string | number | boolean | null;

/**
 * MediaWiki timestamp `YYYYMMDDHHMMSS` (UTC) of an ISO 8601 time, or null when it does not parse.
 * Computed from `dt`, never from a clock.
 */
export function mediawikiTimestamp(dt: string): string | null {
  // A capsule from our processor carries a normalised dt: its digits are the timestamp.
  if (normalizeDt(dt) === dt) return timestampOfNormalizedDt(dt);
  const time = Date.parse(dt);
  if (Number.isNaN(time)) return null;
  const d = new Date(time);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) return null;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${String(year).padStart(4, '0')}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

/**
 * A `DATETIME` value of an ISO 8601 time: `YYYY-MM-DD HH:MM:SS[.fraction]` in UTC (MariaDB
 * refuses the `T` and `Z` of ISO text in strict mode, and drops the fraction), or null when it
 * does not parse.
 */
export function sqlDatetime(dt: string): string | null {
  const normal = normalizeDt(dt);
  return normal === undefined ? null : `${normal.slice(0, 10)} ${normal.slice(11, -1)}`;
}

/**
 * A row of `from` as the row of `to`, the same table of an earlier version whose `dt` is ISO text
 * (`withTextDt`): the `DATETIME` value goes back to the normalised dt it came from.
 */
export function adaptRow(from: TableDefinition, to: TableDefinition, row: readonly RowValue[]): readonly RowValue[] {
  const source = insertColumns(from);
  const target = insertColumns(to);
  let adapted: RowValue[] | undefined;
  for (let i = 0; i < target.length; i++) {
    if (source[i]!.sqlType === 'DATETIME' && target[i]!.sqlType !== 'DATETIME' && typeof row[i] === 'string') {
      adapted ??= [...row];
      adapted[i] = `${(row[i] as string).replace(' ', 'T')}Z`;
    }
  }
  return adapted ?? row;
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function at(event: unknown, path: readonly string[]): unknown {
  let value = event;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function scalar(column: TableColumn, value: unknown): RowValue {
  if (value === undefined || value === null) return null;
  const type = column.sqlType;
  if (type === 'BOOL' && typeof value === 'boolean') return value;
  if ((type === 'BIGINT' || type === 'DOUBLE') && typeof value === 'number') return value;
  if ((type === 'TEXT' || type.startsWith('VARCHAR')) && typeof value === 'string') return value;
  // Not the declared type (an unvalidated event): keep the data as JSON text; the server decides.
  return JSON.stringify(value);
}

/**
 * The values of one row for {@link insertColumns} of `table`, in order (so `id` is not included):
 * capsule fields as they are, `timestamp` from `dt`, `userAgent` as JSON text, event values by
 * their column's path (JSON text for JSON columns), null when absent. The client `ip` is never stored.
 */
export function rowFor(capsule: RowCapsule, table: TableDefinition): RowValue[] {
  return insertColumns(table).map((column): RowValue => {
    const source = column.source;
    switch (source.kind) {
      case 'id': return null;
      case 'capsule':
        switch (source.field) {
          case 'uuid': return capsule.uuid;
          case 'dt': return column.sqlType === 'DATETIME' ? sqlDatetime(capsule.dt) : normalizeDt(capsule.dt) ?? capsule.dt;
          case 'timestamp': return mediawikiTimestamp(capsule.dt);
          case 'wiki': return capsule.wiki ?? null;
          case 'webHost': return capsule.webHost ?? null;
          case 'userAgent': return json(capsule.userAgent);
        }
        return null;
      case 'event': {
        const value = at(capsule.event, source.path);
        return source.encoding === 'json' ? json(value) : scalar(column, value);
      }
    }
  });
}
