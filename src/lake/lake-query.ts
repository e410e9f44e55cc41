/**
 * SQL over the lake, as the seeds' analysts ran it in Hive: every table folder under
 * `<root>/event` and `<root>/event_sanitized` becomes a view `event.<table>` /
 * `event_sanitized.<table>` over its hourly Parquet files, with `year`, `month`, `day` and `hour`
 * read from the folder names. Names are case-insensitive, as in Hive.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteIdent, quoteLiteral } from '../domain/lake-columns.js';
import type { LakeDatabase } from '../domain/lake-layout.js';
import type { Engine } from './duckdb.js';

const DATABASES: readonly LakeDatabase[] = ['event', 'event_sanitized'];

/** Whether a folder holds a Parquet file at the depth of an hour (`year=/month=/day=/hour=`). */
async function hasHourFiles(dir: string, depth = 0): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (depth === 4) return entries.some((e) => e.isFile() && e.name.endsWith('.parquet'));
  for (const e of entries) if (e.isDirectory() && (await hasHourFiles(join(dir, e.name), depth + 1))) return true;
  return false;
}

/** Creates the lake's views on an engine; the tables found, as `database.table`. */
export async function attachLake(engine: Engine, root: string): Promise<string[]> {
  const tables: string[] = [];
  for (const database of DATABASES) {
    await engine.all(`CREATE SCHEMA IF NOT EXISTS ${database}`);
    const entries = await readdir(join(root, database), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || !/^[a-z0-9_]+$/.test(e.name)) continue;
      const dir = join(root, database, e.name);
      if (!(await hasHourFiles(dir))) continue;
      await engine.all(
        `CREATE OR REPLACE VIEW ${database}.${quoteIdent(e.name)} AS SELECT * FROM read_parquet(${quoteLiteral(join(dir, '*/*/*/*/*.parquet'))}, `
        + 'hive_partitioning = true, union_by_name = true)',
      );
      tables.push(`${database}.${e.name}`);
    }
  }
  return tables;
}
