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
import { copyHourSql, copyPartitionedSql, loadBatchSql } from '../domain/lake/lake-sql.js';
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

/** What a batch became. */
export interface BatchWritten {
  /** Rows written, per table. */
  readonly rows: ReadonlyMap<string, number>;
  /** Records that became no row (malformed, or their schema could not be had), by error code. */
  readonly rejected: ReadonlyMap<string, number>;
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

/**
 * Writes a batch's lines (one record each; a record holding a line break is refused before this)
 * under `root`. `name` makes the files' names (a batch written again replaces its own files).
 */
export async function writeBatchFiles(engine: Engine, root: string, name: string, batch: BatchLines, columnsOf: ColumnsOf): Promise<BatchWritten> {
  const id = `b${process.pid}_${++batches}`;
  const stage = join(root, STAGING, id);
  await mkdir(stage, { recursive: true });
  const rejected = new Map<string, number>();
  const rows = new Map<string, number>();
  const files: WrittenFile[] = [];
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  try {
    const input = join(stage, 'input.json');
    await writeChunks(input, batch.chunks);
    const staged: string[] = [];
    // One connection for the whole batch: its temporary table lives there.
    await engine.session(async (conn) => {
      try {
        const kinds = revisionsOf(await conn.all(loadBatchSql(id, input)));
        /** Files named so far per table and revision: schemas differing only in case share a table. */
        const named = new Map<string, number>();
        let loaded = 0;
        for (const { schema, revision, hours, n } of kinds) {
          loaded += n;
          const columns = await columnsOf(schema, revision);
          if (columns === undefined) {
            add(rejected, 'EL_SCHEMA_NOT_FOUND', n);
            continue;
          }
          const table = lakeTableOf(schema);
          // A second schema of the same table and revision gets a name of its own, or its file
          // would replace the first one's (the order, and so the names, repeat if rewritten).
          const seen = named.get(`${table}\u0000${revision}`) ?? 0;
          named.set(`${table}\u0000${revision}`, seen + 1);
          const fileName = seen === 0 ? `part-${name}-r${revision}` : `part-${name}-r${revision}-s${seen}`;
          if (hours.length <= HOUR_FILES_AT_MOST) {
            // The usual batch spans an hour or two: a file per hour, each written where it goes.
            for (const hour of hours) {
              const file = join(stage, 'out', table, hourPath(hour), `${fileName}-0.parquet`);
              await mkdir(dirname(file), { recursive: true });
              // Filters only on what varies in the batch.
              const scope = { ...(kinds.length > 1 && { revision: { schema, revision } }), ...(hours.length > 1 && { hour }) };
              await conn.all(copyHourSql(id, columns, scope, file));
              staged.push(file);
            }
          } else {
            // A replay of old events may span many hours: one partitioned write makes the folders.
            // DuckDB makes the partition folders, not their parent.
            await mkdir(join(stage, 'out'), { recursive: true });
            const [copied] = await conn.all(copyPartitionedSql(id, columns, schema, revision, join(stage, 'out', table), fileName));
            staged.push(...((copied?.Files ?? []) as string[]));
          }
          add(rows, table, n);
        }
        if (batch.lines > loaded) add(rejected, 'EL_VALIDATION_FAILED', batch.lines - loaded);
      } finally {
        await conn.all(`DROP TABLE IF EXISTS "${id}"`);
      }
    });
    // Each staged file moves to its hour's folder under event/.
    const out = join(stage, 'out');
    const made = new Set<string>();
    for (const from of staged) {
      const rel = relative(out, from);
      const hour = parseHourPath(dirname(rel));
      if (!hour) continue;
      const to = join(root, 'event', rel);
      if (!made.has(dirname(to))) {
        await mkdir(dirname(to), { recursive: true });
        made.add(dirname(to));
      }
      await rename(from, to);
      files.push({ table: rel.split('/')[0]!, hour, path: to, bytes: (await stat(to)).size });
    }
    return { rows, rejected, files };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
