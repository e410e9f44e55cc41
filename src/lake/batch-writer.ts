/**
 * Writes a batch of consumed records into the lake. The records' bytes go to a hidden JSON-lines
 * file; DuckDB loads it (keeping rows whose identity is well-formed) and writes each schema
 * revision's rows as Parquet, one file per hour, into a staging folder; each file is then renamed
 * into its hour's folder, so a reader never sees a half-written file. DuckDB does the parsing
 * and typing, in C++ on every core, not this thread.
 */
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { hourPath, lakeTableOf, parseHourPath, type LakeHour } from '../domain/lake/lake-layout.js';
import type { LakeColumn } from '../domain/lake/lake-columns.js';
import { copyHourSql, copyPartitionedSql, loadBatchSql, rejectedLinesSql, type MissingSchema } from '../domain/lake/lake-sql.js';
import type { Engine } from './duckdb.js';

/** Where staged files wait, under the root (hidden from the `event` tree). */
export const STAGING = '.staging';

/** A written part file. */
export interface WrittenFile {
  readonly table: string;
  readonly hour: LakeHour;
  /** Its final path. */
  readonly path: string;
  readonly bytes: number;
}

/** A line of the batch that became no row. */
export interface RejectedLine {
  /** Its index in the batch (from 0). */
  readonly line: number;
  readonly errorCode: 'EL_VALIDATION_FAILED' | 'EL_SCHEMA_NOT_FOUND';
  /** What it names as schema and revision, when it names them. */
  readonly schema?: string;
  readonly revision?: number;
  /** The line as text, without its line break. */
  readonly raw: string;
}

/** What a batch became. */
export interface BatchWritten {
  /** Rows written, per table. */
  readonly rows: ReadonlyMap<string, number>;
  /** Records that became no row (malformed, or their schema could not be had), by error code. */
  readonly rejected: ReadonlyMap<string, number>;
  /** Those records, one by one, in order. */
  readonly rejectedLines: readonly RejectedLine[];
  readonly files: readonly WrittenFile[];
}

/** The columns of a schema revision's table; undefined when the schema cannot be had. */
export type ColumnsOf = (schema: string, revision: number) => Promise<readonly LakeColumn[] | undefined>;

let batches = 0;

/** Hours of one schema revision a batch writes file by file; more are written by one partitioned write. */
const HOUR_FILES_AT_MOST = 4;

/** A schema revision's rows in a loaded batch, and the hours they fall in. */
interface LoadedRevision {
  readonly schema: string;
  readonly revision: number;
  readonly hours: readonly LakeHour[];
  readonly n: number;
}

/** The load's answer (rows per schema, revision and hour, ordered) grouped by schema revision. */
function revisionsOf(counts: readonly Record<string, unknown>[]): LoadedRevision[] {
  const out: Array<{ schema: string; revision: number; hours: LakeHour[]; n: number }> = [];
  for (const c of counts) {
    const schema = String(c.schema);
    const revision = Number(c.revision);
    let last = out[out.length - 1];
    if (last?.schema !== schema || last.revision !== revision) {
      last = { schema, revision, hours: [], n: 0 };
      out.push(last);
    }
    last.hours.push({ year: Number(c.year), month: Number(c.month), day: Number(c.day), hour: Number(c.hour) });
    last.n += Number(c.n);
  }
  return out;
}

/** A batch's records as the bytes of a JSON-lines file: `lines` lines, each ended by a line break. */
export interface BatchLines {
  readonly chunks: readonly Uint8Array[];
  readonly lines: number;
}

/** The text of lines `at` (ascending indices) of a batch whose lines never span two chunks. */
export function linesAt(chunks: readonly Uint8Array[], at: readonly number[]): string[] {
  const out: string[] = [];
  let line = 0;
  let next = 0;
  for (const chunk of chunks) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    for (let start = 0; start < bytes.length && next < at.length;) {
      const end = bytes.indexOf(10, start);
      const stop = end === -1 ? bytes.length : end;
      if (line === at[next]) {
        out.push(bytes.toString('utf8', start, stop));
        next += 1;
      }
      line += 1;
      start = stop + 1;
    }
  }
  return out;
}

/** Writes the chunks to `path` in one gathered write. */
async function writeChunks(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const file = await open(path, 'w');
  try {
    const { bytesWritten } = await file.writev(chunks as Uint8Array[]);
    // A short write (a full disk) fails the batch, which is retried, rather than losing its tail.
    if (bytesWritten !== bytes) throw new Error(`${path}: wrote ${bytesWritten} of ${bytes} bytes`);
  } finally {
    await file.close();
  }
}

/** A staged file and where it goes under `<root>/event`. */
interface Staged {
  readonly from: string;
  readonly table: string;
  readonly hour: LakeHour;
  readonly to: string;
  /** Its size as DuckDB reported it (a partitioned write's files are measured after the rename). */
  readonly bytes?: number;
}

/**
 * Folders known to exist: a batch's file goes straight there. One removed meanwhile (by
 * retention, by hand) is made again when a write into it fails. Forgotten wholesale now and then,
 * so a daemon that runs for months does not remember every hour it ever wrote.
 */
const madeDirs = new Set<string>();
const MADE_DIRS_AT_MOST = 4096;

/** Runs `write`, which puts a file into `dir`; makes `dir` first if it is not known to exist, or if the write finds it missing. */
async function intoDir<T>(dir: string, write: () => Promise<T>): Promise<T> {
  if (madeDirs.has(dir)) {
    try {
      return await write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      madeDirs.delete(dir);
    }
  }
  await mkdir(dir, { recursive: true });
  if (madeDirs.size >= MADE_DIRS_AT_MOST) madeDirs.clear();
  madeDirs.add(dir);
  return write();
}

/**
 * Writes a batch's lines (one record each; a record holding a line break is refused before this)
 * under `root`. `name` makes the files' names (a batch written again replaces its own files).
 * Every step is a turn of the event loop, which is busy reading Kafka, so a batch takes few: its
 * files are staged side by side in one folder (no folders to make and remove per batch), DuckDB
 * reports their sizes, and they are moved into place together.
 */
export async function writeBatchFiles(engine: Engine, root: string, name: string, batch: BatchLines, columnsOf: ColumnsOf): Promise<BatchWritten> {
  const id = `b${process.pid}_${++batches}`;
  const staging = join(root, STAGING);
  const input = join(staging, `${id}.json`);
  /** Where a partitioned write makes its folders (only when a batch spans many hours). */
  const partitioned = join(staging, id);
  const rejected = new Map<string, number>();
  const rows = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  let spanned = false;
  let moved = false;
  const staged: Staged[] = [];
  const rejectedLines: RejectedLine[] = [];
  try {
    await intoDir(staging, () => writeChunks(input, batch.chunks));
    // One connection for the whole batch: its temporary table lives there.
    await engine.session(async (conn) => {
      try {
        const kinds = revisionsOf(await conn.all(loadBatchSql(id, input)));
        /** Files named so far per table and revision: schemas differing only in case share a table. */
        const named = new Map<string, number>();
        const missing: MissingSchema[] = [];
        let loaded = 0;
        for (const { schema, revision, hours, n } of kinds) {
          loaded += n;
          const columns = await columnsOf(schema, revision);
          if (columns === undefined) {
            add(rejected, 'EL_SCHEMA_NOT_FOUND', n);
            missing.push({ schema, revision });
            continue;
          }
          const table = lakeTableOf(schema);
          // A second schema of the same table and revision gets a name of its own, or its file
          // would replace the first one's (the order, and so the names, repeat if rewritten).
          const seen = named.get(`${table}\u0000${revision}`) ?? 0;
          named.set(`${table}\u0000${revision}`, seen + 1);
          const fileName = seen === 0 ? `part-${name}-r${revision}` : `part-${name}-r${revision}-s${seen}`;
          if (hours.length <= HOUR_FILES_AT_MOST) {
            // The usual batch spans an hour or two: a file per hour.
            for (const hour of hours) {
              const from = join(staging, `${id}-${staged.length}.parquet`);
              // Filters only on what varies in the batch.
              const scope = { ...(kinds.length > 1 && { revision: { schema, revision } }), ...(hours.length > 1 && { hour }) };
              const [stats] = await conn.all(copyHourSql(id, columns, scope, from));
              staged.push({ from, table, hour, to: join(root, 'event', table, hourPath(hour), `${fileName}-0.parquet`), bytes: Number(stats?.file_size_bytes) });
            }
          } else {
            // A replay of old events may span many hours: one partitioned write makes the folders.
            spanned = true;
            const out = join(partitioned, table);
            await mkdir(partitioned, { recursive: true });
            const [copied] = await conn.all(copyPartitionedSql(id, columns, schema, revision, out, fileName));
            for (const from of (copied?.Files ?? []) as string[]) {
              const hour = parseHourPath(dirname(relative(out, from)));
              if (hour) staged.push({ from, table, hour, to: join(root, 'event', table, relative(out, from)) });
            }
          }
          add(rows, table, n);
        }
        if (batch.lines > loaded) add(rejected, 'EL_VALIDATION_FAILED', batch.lines - loaded);
        if (batch.lines > loaded || missing.length > 0) {
          const found = await conn.all(rejectedLinesSql(input, missing));
          const raw = linesAt(batch.chunks, found.map((r) => Number(r.line)));
          found.forEach((r, i) => rejectedLines.push({
            line: Number(r.line), errorCode: r.ok === true ? 'EL_SCHEMA_NOT_FOUND' : 'EL_VALIDATION_FAILED', raw: raw[i] ?? '',
            ...(typeof r.schema === 'string' && { schema: r.schema }),
            ...(r.revision !== null && r.revision !== undefined && Number.isSafeInteger(Number(r.revision)) && { revision: Number(r.revision) }),
          }));
        }
      } finally {
        await conn.all(`DROP TABLE IF EXISTS "${id}"`);
      }
    });
    const files = await Promise.all(staged.map(async ({ from, table, hour, to, bytes }): Promise<WrittenFile> => {
      await intoDir(dirname(to), () => rename(from, to));
      return { table, hour, path: to, bytes: bytes !== undefined && Number.isFinite(bytes) ? bytes : (await stat(to)).size };
    }));
    moved = true;
    return { rows, rejected, rejectedLines, files };
  } finally {
    // What a failed batch staged goes with the input; the batch is written again.
    await Promise.all([
      rm(input, { force: true }),
      ...(spanned ? [rm(partitioned, { recursive: true, force: true })] : []),
      ...(moved ? [] : staged.map((f) => rm(f.from, { force: true }))),
    ]);
  }
}
