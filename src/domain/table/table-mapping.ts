import { identifierCollisionKey, safeIdentifier, shortHash } from './mysql-identifier.js';
import { normalizeEventSchema } from '../schema/schema-normalize.js';

/** Where a column's value comes from in a capsule. */
export type ColumnSource =
  | { readonly kind: 'id' }
  | { readonly kind: 'capsule'; readonly field: 'uuid' | 'dt' | 'timestamp' | 'wiki' | 'webHost' | 'userAgent' }
  /** An event value at `path`; `json` columns hold the value as JSON text. */
  | { readonly kind: 'event'; readonly path: readonly string[]; readonly encoding: 'scalar' | 'json' };

/** One column of an event table. `name` is unquoted (quote it with `quoteIdentifier`). */
export interface TableColumn {
  readonly name: string;
  /** The SQL type, e.g. `BIGINT`, `VARCHAR(1024)`, `TEXT`. */
  readonly sqlType: string;
  readonly source: ColumnSource;
}

/** The table of one (schema, revision): its name, columns in order, and whose it is. */
export interface TableDefinition {
  readonly name: string;
  readonly columns: readonly TableColumn[];
  /** The schema and revision the table holds (written in its comment, see `tableOwnerComment`). */
  readonly schema?: string;
  readonly revision?: number;
}

/**
 * The table name of a schema revision: `<Schema>_<revision>` (DESIGN section 8), shortened
 * deterministically past 64 characters. A schema name with characters other than `[A-Za-z0-9_]`
 * (`.`, `/`, `-`) has them replaced by `_` and gets `_` and 8 hex digits of a hash of the name
 * appended, so `Foo.Bar`, `Foo/Bar`, `Foo-Bar` and `Foo_Bar` never share a table.
 */
export function tableName(schema: string, revision: number): string {
  const cleaned = schema.replace(/[^A-Za-z0-9_]/g, '_');
  const suffix = cleaned === schema ? '' : `_${shortHash(schema)}`;
  return safeIdentifier(`${cleaned}_${revision}${suffix}`);
}

/** The capsule columns every event table starts with, in order. */
const CAPSULE_COLUMNS: readonly TableColumn[] = [
  { name: 'id', sqlType: 'BIGINT', source: { kind: 'id' } },
  { name: 'uuid', sqlType: 'CHAR(32)', source: { kind: 'capsule', field: 'uuid' } },
  // DATETIME with an index, as the original's table mapping declared it: hourly counts and
  // audits group by time. Tables of earlier versions keep VARCHAR(32) (see `withTextDt`).
  { name: 'dt', sqlType: 'DATETIME', source: { kind: 'capsule', field: 'dt' } },
  { name: 'timestamp', sqlType: 'VARCHAR(14)', source: { kind: 'capsule', field: 'timestamp' } },
  { name: 'wiki', sqlType: 'VARCHAR(64)', source: { kind: 'capsule', field: 'wiki' } },
  { name: 'webHost', sqlType: 'VARCHAR(255)', source: { kind: 'capsule', field: 'webHost' } },
  { name: 'userAgent', sqlType: 'TEXT', source: { kind: 'capsule', field: 'userAgent' } },
];

/** The SQL type earlier versions gave `dt`: ISO 8601 text. */
export const LEGACY_DT_TYPE = 'VARCHAR(32)';

/**
 * The definition of a table an earlier version created, whose `dt` column is text: the same
 * columns with `dt` typed {@link LEGACY_DT_TYPE}, so that its rows keep the ISO text it holds.
 */
export function withTextDt(table: TableDefinition): TableDefinition {
  return Object.freeze({
    ...table,
    columns: Object.freeze(table.columns.map((c) => (c.source.kind === 'capsule' && c.source.field === 'dt' ? Object.freeze({ ...c, sqlType: LEGACY_DT_TYPE }) : c))),
  });
}

/** The names of the capsule columns every event table starts with, in order. */
export const CAPSULE_COLUMN_NAMES: readonly string[] = Object.freeze(CAPSULE_COLUMNS.map((c) => c.name));

/** Strings up to this length get a VARCHAR; longer `maxLength` (DESIGN: "when the schema allows longer") a TEXT. */
const VARCHAR_LENGTH = 1024;
/**
 * MySQL limits the declared size of a row (all VARCHARs at 4 bytes per utf8mb4 character, plus
 * fixed-size columns) to 65,535 bytes and refuses CREATE TABLE beyond it. Past this budget further
 * strings become TEXT (stored off-row), so a schema with many string properties still gets a table.
 */
const ROW_BYTES_BUDGET = 60_000;

type Schema = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The non-null types a schema allows, or undefined when it does not restrict the type by `type` alone. */
function typesOf(schema: Schema): string[] | undefined {
  // Alternatives and refs can allow any mix of types: such values are stored as JSON.
  if (['anyOf', 'oneOf', '$ref'].some((k) => k in schema)) return undefined;
  const type = schema.type;
  if (typeof type === 'string') return type === 'null' ? [] : [type];
  if (Array.isArray(type) && type.every((t) => typeof t === 'string')) return (type as string[]).filter((t) => t !== 'null');
  return undefined;
}

interface Leaf { readonly path: readonly string[]; readonly sqlType: string; readonly encoding: 'scalar' | 'json' }

function leaves(schema: Schema, path: readonly string[], out: Leaf[], depth: number): void {
  const properties = schema.properties;
  if (!isObject(properties)) return;
  for (const [name, child] of Object.entries(properties)) {
    const childPath = [...path, name];
    const sub = isObject(child) ? child : {};
    const types = typesOf(sub);
    const single = types && types.length === 1 ? types[0] : undefined;
    // Depth cap: beyond it a nested object is kept whole as JSON rather than recursing further.
    if (single === 'object' && isObject(sub.properties) && Object.keys(sub.properties).length > 0 && depth < 32) {
      leaves(sub, childPath, out, depth + 1);
      continue;
    }
    out.push({ path: childPath, ...leafType(single, sub) });
  }
}

function leafType(type: string | undefined, schema: Schema): { sqlType: string; encoding: 'scalar' | 'json' } {
  switch (type) {
    case 'boolean': return { sqlType: 'BOOL', encoding: 'scalar' };
    case 'integer': return { sqlType: 'BIGINT', encoding: 'scalar' };
    case 'number': return { sqlType: 'DOUBLE', encoding: 'scalar' };
    case 'string': {
      const max = schema.maxLength;
      return { sqlType: typeof max === 'number' && max > VARCHAR_LENGTH ? 'TEXT' : `VARCHAR(${VARCHAR_LENGTH})`, encoding: 'scalar' };
    }
    default: return { sqlType: 'TEXT', encoding: 'json' };
  }
}

function rowBytes(sqlType: string): number {
  const varchar = /^(?:VAR)?CHAR\((\d+)\)$/.exec(sqlType);
  return varchar ? Number(varchar[1]) * 4 + 2 : 12;
}

/**
 * The columns of an event table, in order: the capsule columns (`id`, `uuid`, `dt`, `timestamp`,
 * `wiki`, `webHost`, `userAgent`), then one per event property, depth first in schema order.
 * Accepts a raw (draft-03 or later) or already normalised event schema.
 *
 * Naming: `event_` + the property path joined with `_`. Nested objects with `properties` are
 * flattened (`event.action.init` → `event_action_init`); a property whose *name* contains dots
 * keeps them, inside the quoted identifier (`action.init.timing` → `event_action.init.timing`),
 * which stays readable and matches what analysts query. Objects without properties, arrays and
 * values of several or unknown types are one JSON text column. Because joining with `_` is not
 * injective (nested `{a: {b}}` and a property `a_b`), and the server folds case and accents,
 * a name whose collision key is taken gets `_` + 8 hex of a hash of its path, deterministically
 * in schema order; over-long names are shortened with the same kind of hash (`safeIdentifier`).
 * Object values' keys not declared in the schema have no column and are not stored.
 */
export function columnsFor(eventSchema: unknown): TableColumn[] {
  // Normalising is idempotent, so an already normalised schema may be passed too.
  const found: Leaf[] = [];
  if (isObject(eventSchema)) leaves(normalizeEventSchema(eventSchema), [], found, 0);
  const columns: TableColumn[] = [...CAPSULE_COLUMNS];
  const used = new Set(columns.map((c) => identifierCollisionKey(c.name)));
  let budget = ROW_BYTES_BUDGET - columns.reduce((sum, c) => sum + rowBytes(c.sqlType), 0);
  for (const leaf of found) {
    const name = uniqueName(`event_${leaf.path.join('_')}`, JSON.stringify(leaf.path), used);
    let sqlType = leaf.sqlType;
    if (rowBytes(sqlType) > budget) sqlType = 'TEXT';
    budget -= rowBytes(sqlType);
    columns.push({ name, sqlType, source: { kind: 'event', path: leaf.path, encoding: leaf.encoding } });
  }
  return columns;
}

function uniqueName(wanted: string, identity: string, used: Set<string>): string {
  let name = safeIdentifier(wanted);
  for (let attempt = 0; used.has(identifierCollisionKey(name)); attempt += 1) {
    const suffix = `_${shortHash(attempt === 0 ? identity : `${identity}#${attempt}`)}`;
    const base = [...safeIdentifier(wanted)];
    name = `${base.slice(0, 64 - suffix.length).join('')}${suffix}`;
  }
  used.add(identifierCollisionKey(name));
  return name;
}

/** The table of a schema revision: {@link tableName} and {@link columnsFor}. */
export function tableFor(schema: string, revision: number, eventSchema: unknown): TableDefinition {
  return { name: tableName(schema, revision), columns: columnsFor(eventSchema), schema, revision };
}
