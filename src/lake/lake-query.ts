/**
 * SQL over the lake, as the seeds' analysts ran it in Hive: every table folder under
 * `<root>/event` and `<root>/event_sanitized` becomes a view `event.<table>` /
 * `event_sanitized.<table>` over its hourly Parquet files, with `year`, `month`, `day` and `hour`
 * read from the folder names. Names are case-insensitive, as in Hive.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteIdent, quoteLiteral } from '../domain/lake/lake-columns.js';
import type { LakeDatabase } from '../domain/lake/lake-layout.js';
import type { Engine } from './duckdb.js';
import { hourDirs } from './hour-dirs.js';

const DATABASES: readonly LakeDatabase[] = ['event', 'event_sanitized'];

/** Whether a table has a Parquet file in any of its hours. */
async function hasHourFiles(root: string, database: LakeDatabase, table: string): Promise<boolean> {
  for (const { dir } of await hourDirs(root, database, table)) {
    if ((await readdir(dir)).some((n) => n.endsWith('.parquet'))) return true;
  }
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
      if (!(await hasHourFiles(root, database, e.name))) continue;
      await engine.all(
        `CREATE OR REPLACE VIEW ${database}.${quoteIdent(e.name)} AS SELECT * FROM read_parquet(${quoteLiteral(join(dir, '*/*/*/*/*.parquet'))}, `
        + 'hive_partitioning = true, union_by_name = true)',
      );
      tables.push(`${database}.${e.name}`);
    }
  }
  return tables;
}
