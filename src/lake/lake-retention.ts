/**
 * Applies retention to a lake (src/domain/lake/lake-retention.ts): expired hours of allow-listed
 * tables are rewritten into `event_sanitized` (aside, then renamed; one row per uuid), then the
 * hour is removed from `event`. Dry run unless `execute`.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Allowlist } from '../domain/table/retention.js';
import { quoteLiteral } from '../domain/lake/lake-columns.js';
import { REFINED_FILE, hourDir, tempName } from '../domain/lake/lake-layout.js';
import { isExpired, lakeAllowedColumns, sanitizedSelect, type LakeField } from '../domain/lake/lake-retention.js';
import type { Engine } from './duckdb.js';
import { hourDirs } from './hour-dirs.js';

/** What retention does (or would do) to one hour of one table. */
export interface HourRetention {
  readonly table: string;
  readonly hour: string;
  readonly action: 'delete' | 'sanitize';
  readonly files: number;
}

/** What {@link runLakeRetention} needs. */
export interface LakeRetentionOptions {
  readonly engine: Engine;
  readonly root: string;
  readonly days: number;
  readonly allowlist: Allowlist;
  readonly execute: boolean;
  readonly nowMs: number;
  readonly progress?: (line: string) => void;
}

/** The columns of a Parquet file, structs with their fields (lists and maps as leaves). */
async function columnsOf(engine: Engine, file: string): Promise<LakeField[]> {
  const rows = await engine.all(`SELECT name, num_children, converted_type FROM parquet_schema(${quoteLiteral(file)})`);
  let i = 1;
  const read = (count: number): LakeField[] => {
    const out: LakeField[] = [];
    for (let k = 0; k < count; k += 1) {
      const r = rows[i++]!;
      const children = Number(r.num_children ?? 0);
      if (children === 0) {
        out.push({ name: String(r.name) });
        continue;
      }
      const fields = read(children);
      // A list or a map is kept or dropped whole.
      out.push(r.converted_type === 'LIST' || r.converted_type === 'MAP' ? { name: String(r.name) } : { name: String(r.name), fields });
    }
    return out;
  };
  return read(Number(rows[0]?.num_children ?? 0));
}

/** The union of several files' columns (a later revision may add fields). */
function merge(a: readonly LakeField[], b: readonly LakeField[]): LakeField[] {
  const out = [...a];
  for (const f of b) {
    const i = out.findIndex((x) => x.name === f.name);
    if (i < 0) out.push(f);
    else if (out[i]!.fields && f.fields) out[i] = { name: f.name, fields: merge(out[i]!.fields!, f.fields) };
  }
  return out;
}

/** Runs retention over the lake; one report per expired hour. */
export async function runLakeRetention(o: LakeRetentionOptions): Promise<HourRetention[]> {
  const reports: HourRetention[] = [];
  const expired = (await hourDirs(o.root, 'event')).filter((h) => isExpired(h.hour, o.nowMs, o.days));
  for (const { table, hour, dir } of expired) {
    const files = (await readdir(dir)).filter((n) => n.endsWith('.parquet'));
    const allowed = lakeAllowedColumns(table, o.allowlist);
    const report: HourRetention = { table, hour: hourDir('event', table, hour), action: allowed ? 'sanitize' : 'delete', files: files.length };
    reports.push(report);
    if (!o.execute) continue;
    if (allowed && files.length > 0) {
      const inputs = files.map((f) => join(dir, f));
      const list = `[${inputs.map(quoteLiteral).join(', ')}]`;
      let columns: LakeField[] = [];
      for (const file of inputs) columns = merge(columns, await columnsOf(o.engine, file));
      const target = join(o.root, hourDir('event_sanitized', table, hour));
      await mkdir(target, { recursive: true });
      const temp = join(target, tempName(REFINED_FILE));
      await o.engine.all(
        `COPY (SELECT ${sanitizedSelect(columns, allowed)} FROM (SELECT *, row_number() OVER (PARTITION BY uuid ORDER BY dt) AS el_rank `
        + `FROM read_parquet(${list}, union_by_name = true, hive_partitioning = false)) WHERE el_rank = 1 ORDER BY dt, uuid) `
        + `TO ${quoteLiteral(temp)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      await rename(temp, join(target, REFINED_FILE));
    }
    await rm(dir, { recursive: true, force: true });
    o.progress?.(`${report.hour}: ${report.action === 'sanitize' ? 'sanitized into event_sanitized' : 'deleted'} (${files.length} files)`);
  }
  return reports;
}
