/**
 * Refining an hour: its part files (and the hour's earlier refined file, when a late event
 * reopened it) are merged into one `data.parquet` with one row per uuid, written aside and
 * renamed over the old one; then the merged parts are removed. A crash at any point leaves files
 * that the next refine merges again to the same result.
 */
import { readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteLiteral } from '../domain/lake/lake-columns.js';
import { REFINED_FILE, tempName } from '../domain/lake/lake-layout.js';
import type { Engine } from './duckdb.js';

/** What refining one hour did. */
export interface Refined {
  readonly parts: number;
  readonly rows: number;
}

/** The part files of an hour's folder (visible Parquet files other than the refined one). */
export async function partsOf(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.parquet') && n !== REFINED_FILE).sort();
}

/** Refines one hour's folder; nothing to do when it holds no part file. */
export async function refineHour(engine: Engine, dir: string): Promise<Refined> {
  const parts = await partsOf(dir);
  if (parts.length === 0) return { parts: 0, rows: 0 };
  const names = await readdir(dir);
  const inputs = [...parts, ...(names.includes(REFINED_FILE) ? [REFINED_FILE] : [])].map((n) => join(dir, n));
  const temp = join(dir, tempName(REFINED_FILE));
  const list = `[${inputs.map(quoteLiteral).join(', ')}]`;
  // One row per uuid: the earliest by dt, then by file name, so a refine run again picks the same row.
  await engine.all(
    `COPY (SELECT * EXCLUDE (el_file, el_rank) FROM (SELECT *, row_number() OVER (PARTITION BY uuid ORDER BY dt, el_file) AS el_rank `
    + `FROM read_parquet(${list}, union_by_name = true, hive_partitioning = false, filename = 'el_file')) WHERE el_rank = 1 ORDER BY dt, uuid) `
    + `TO ${quoteLiteral(temp)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await rename(temp, join(dir, REFINED_FILE));
  for (const p of parts) await unlink(join(dir, p)).catch(() => undefined);
  const [count] = await engine.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(join(dir, REFINED_FILE))})`);
  return { parts: parts.length, rows: Number(count?.n ?? 0) };
}
