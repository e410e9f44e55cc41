/**
 * Writes a batch of consumed records into the lake. The records' bytes go to a hidden JSON-lines
 * file; DuckDB loads it (keeping rows whose identity is well-formed) and writes each schema
 * revision's rows as Parquet, one file per hour, into a staging folder; each file is then renamed
 * into its hour's folder, so a reader never sees a half-written file. DuckDB does the parsing
 * and typing, in C++ on every core, not this thread.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { lakeTableOf, parseHourPath, type LakeHour } from '../domain/lake/lake-layout.js';
import type { LakeColumn } from '../domain/lake/lake-columns.js';
import { copyPartitionedSql, loadBatchSql } from '../domain/lake/lake-sql.js';
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

/** The lines as one buffer, each followed by a line break (one write instead of one per record). */
function joinLines(lines: readonly (string | Uint8Array)[]): Buffer {
  const parts = lines.map((l) => (typeof l === 'string' ? Buffer.from(l) : l));
  const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
    out[at++] = 10;
  }
  return out;
}

/**
 * Writes `lines` (one record each; a record holding a newline is refused before this) under
 * `root`. `name` makes the files' names (a batch written again replaces its own files).
 */
export async function writeBatchFiles(engine: Engine, root: string, name: string, lines: readonly (string | Uint8Array)[], columnsOf: ColumnsOf): Promise<BatchWritten> {
  const id = `b${process.pid}_${++batches}`;
  const stage = join(root, STAGING, id);
  await mkdir(stage, { recursive: true });
  const rejected = new Map<string, number>();
  const rows = new Map<string, number>();
  const files: WrittenFile[] = [];
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  try {
    const input = join(stage, 'input.json');
    await writeFile(input, joinLines(lines));
    const staged: string[] = [];
    let outMade = false;
    // One connection for the whole batch: its temporary table lives there.
    await engine.session(async (conn) => {
      try {
        const kinds = await conn.all(loadBatchSql(id, input));
        let loaded = 0;
        for (const k of kinds) {
          const schema = String(k.schema);
          const revision = Number(k.revision);
          const n = Number(k.n);
          loaded += n;
          const columns = await columnsOf(schema, revision);
          if (columns === undefined) {
            add(rejected, 'EL_SCHEMA_NOT_FOUND', n);
            continue;
          }
          const table = lakeTableOf(schema);
          // DuckDB makes the partition folders, not their parent.
          if (!outMade) {
            await mkdir(join(stage, 'out'), { recursive: true });
            outMade = true;
          }
          const [copied] = await conn.all(copyPartitionedSql(id, columns, schema, revision, join(stage, 'out', table), `part-${name}-r${revision}`));
          staged.push(...((copied?.Files ?? []) as string[]));
          add(rows, table, n);
        }
        if (lines.length > loaded) add(rejected, 'EL_VALIDATION_FAILED', lines.length - loaded);
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
