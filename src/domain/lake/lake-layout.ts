/**
 * Where the lake keeps each event: Hive-style hourly partitions per table,
 * `<root>/<database>/<table>/year=Y/month=M/day=D/hour=H/`, with the table named as Hive shows a
 * schema (lower case). Writers put part files there; refining merges an hour's parts into one
 * `data.parquet`. Temporary files start with a dot and never end in `.parquet`, so a reader's
 * `*.parquet` never sees a half-written file.
 */
import { isoToEpochSeconds } from '../event/iso-time.js';

/** The two databases of the seeds: everything (90 days), and what the allow list keeps for good. */
export type LakeDatabase = 'event' | 'event_sanitized';

/** An hourly partition (UTC). */
export interface LakeHour {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
}

/** The refined file of an hour. */
export const REFINED_FILE = 'data.parquet';

/** The table of the seeds' EventErrors (`event.eventerror`). */
export const EVENT_ERROR_TABLE = 'eventerror';

/**
 * The table a schema's events go to: its name in lower case, as Hive shows it, with anything but
 * letters, digits and `_` as `_` (schema names may hold `.`, `/` and `-`; none may become a path).
 */
export function lakeTableOf(schema: string): string {
  return schema === 'EventError' ? EVENT_ERROR_TABLE : schema.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** The hour of an ISO 8601 UTC `dt` (`2017-11-20T19:05:00Z`); undefined when it is not one. */
export function hourOf(dt: string): LakeHour | undefined {
  const seconds = isoToEpochSeconds(dt);
  if (seconds === undefined) return undefined;
  const d = new Date(seconds * 1000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours() };
}

/** Milliseconds since the epoch at which an hour ends. */
export function hourEndMs(h: LakeHour): number {
  return Date.UTC(h.year, h.month - 1, h.day, h.hour + 1);
}

/** The partition folder of an hour, relative to its table (Hive's unpadded `key=value` names). */
export function hourPath(h: LakeHour): string {
  return `year=${h.year}/month=${h.month}/day=${h.day}/hour=${h.hour}`;
}

/** An hour's folder, relative to the lake's root. */
export function hourDir(database: LakeDatabase, table: string, h: LakeHour): string {
  return `${database}/${table}/${hourPath(h)}`;
}

/** Reads `year=Y/month=M/day=D/hour=H` at the end of a path; undefined for anything else. */
export function parseHourPath(path: string): LakeHour | undefined {
  const m = /(?:^|\/)year=(\d{1,4})\/month=(\d{1,2})\/day=(\d{1,2})\/hour=(\d{1,2})\/?$/.exec(path);
  if (!m) return undefined;
  const [year, month, day, hour] = m.slice(1).map(Number) as [number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23) return undefined;
  return { year, month, day, hour };
}

/**
 * A part file's name: where its records came from, so a batch written again after a crash
 * replaces its own file, and refining can tell parts apart.
 */
export function partFileName(topic: string, partition: number, firstOffset: number, lastOffset: number, revision: number): string {
  return `part-${topic.replace(/[^A-Za-z0-9_-]/g, '_')}-${partition}-${firstOffset}-${lastOffset}-r${revision}.parquet`;
}

/** A file's temporary name while it is written (hidden from `*.parquet`). */
export function tempName(name: string): string {
  return `.${name}.tmp`;
}
