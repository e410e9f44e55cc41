/**
 * Retention on the lake, as purge does on MySQL: an hour older than the retention period is
 * removed from `event`, or, for a schema on the allow list, rewritten into `event_sanitized`
 * keeping only the listed fields. The allow list is purge's: keys are schema names (or MySQL
 * table names `<Schema>_<revision>`, read as their schema), values MySQL column names, where an
 * event field is `event_<field>` and a nested one `event_<field>_<sub>`, as the consumer flattens
 * them; a listed struct keeps all of it.
 */
import { ALWAYS_KEPT_COLUMNS, type Allowlist } from '../table/retention.js';
import { hourEndMs, lakeTableOf, type LakeHour } from './lake-layout.js';
import { quoteIdent, quoteLiteral } from './lake-columns.js';

const DAY_MS = 86_400_000;

/** Columns a sanitised hour always keeps: the row's identity and time. */
const LAKE_ALWAYS_KEPT = new Set(['uuid', 'dt', 'schema', 'revision', ...ALWAYS_KEPT_COLUMNS]);

/** A column of a Parquet file: a leaf, or a struct with its fields. */
export interface LakeField {
  readonly name: string;
  readonly fields?: readonly LakeField[];
}

/** Whether an hour is past the retention period (its end is `days` days or more ago). */
export function isExpired(hour: LakeHour, nowMs: number, days: number): boolean {
  return hourEndMs(hour) <= nowMs - days * DAY_MS;
}

/** The columns the allow list keeps for a lake table (every entry naming its schema); undefined when not listed. */
export function lakeAllowedColumns(table: string, allowlist: Allowlist): ReadonlySet<string> | undefined {
  let kept: Set<string> | undefined;
  for (const [key, columns] of allowlist) {
    const schema = /^(.+)_\d+$/.exec(key)?.[1] ?? key;
    if (lakeTableOf(schema) !== table && lakeTableOf(key) !== table) continue;
    kept ??= new Set();
    for (const c of columns) kept.add(c);
  }
  return kept;
}

function keptStruct(path: readonly string[], fields: readonly LakeField[], allowed: ReadonlySet<string>): string | undefined {
  const parts: string[] = [];
  for (const f of fields) {
    const sub = [...path, f.name];
    const expr = sub.map(quoteIdent).join('.');
    if (allowed.has(sub.join('_'))) parts.push(`${quoteLiteral(f.name)}: ${expr}`);
    else if (f.fields) {
      const inner = keptStruct(sub, f.fields, allowed);
      if (inner !== undefined) parts.push(`${quoteLiteral(f.name)}: ${inner}`);
    }
  }
  return parts.length === 0 ? undefined : `{${parts.join(', ')}}`;
}

/**
 * The SELECT list that sanitises rows with these columns: identity and time, the listed
 * columns, and of each struct only the listed fields (a struct left with none is dropped).
 */
export function sanitizedSelect(columns: readonly LakeField[], allowed: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const c of columns) {
    if (LAKE_ALWAYS_KEPT.has(c.name) || allowed.has(c.name)) out.push(quoteIdent(c.name));
    else if (c.fields) {
      const inner = keptStruct([c.name], c.fields, allowed);
      if (inner !== undefined) out.push(`${inner} AS ${quoteIdent(c.name)}`);
    }
  }
  return out.join(', ');
}
