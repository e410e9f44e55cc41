/**
 * The SQL the lake writer runs on a batch of consumed records (DuckDB's dialect), built from
 * data that is ours (column lists, schema names already checked). Records are read as JSON lines
 * with every scalar as text, so no value can fail the read; a row is kept only when its identity
 * is well-formed (schema name, revision, uuid, canonical `dt`, an object `event`), and every
 * column is then cast to its type, a value that does not fit becoming NULL.
 */
import { quoteIdent, quoteLiteral, type LakeColumn } from './lake-columns.js';
import type { LakeHour } from './lake-layout.js';

/** The capsule's `dt` as the processor writes it: UTC, `Z`, optional fraction. */
const CANONICAL_DT = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z';
const SCHEMA_NAME = '[./a-zA-Z0-9_-]{1,63}';
const UUID = '[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A loaded row's hour, as the partition folders name it. */
const HOUR_PARTS = 'year(el_ts) AS year, month(el_ts) AS month, day(el_ts) AS day, hour(el_ts) AS hour';

/** Every column any lake table has, read as text (JSON for nested values). */
const READ_COLUMNS: Readonly<Record<string, string>> = {
  uuid: 'VARCHAR', dt: 'VARCHAR', schema: 'VARCHAR', revision: 'VARCHAR', wiki: 'VARCHAR', webHost: 'VARCHAR', recvFrom: 'VARCHAR',
  seqId: 'VARCHAR', topic: 'VARCHAR', userAgent: 'JSON', event: 'JSON',
};

/**
 * Loads a batch's JSON lines into `table`, keeping only rows whose identity is well-formed, and
 * answers with the rows kept per schema, revision and hour (one round trip: each costs the batch
 * a turn of the event loop, which is busy reading Kafka).
 */
export function loadBatchSql(table: string, file: string): string {
  const columns = `{${Object.entries(READ_COLUMNS).map(([n, t]) => `${quoteLiteral(n)}: ${quoteLiteral(t)}`).join(', ')}}`;
  return `CREATE TEMP TABLE ${quoteIdent(table)} AS SELECT *, CAST(dt AS TIMESTAMP) AS el_ts FROM (`
    + `SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', ignore_errors = true, columns = ${columns}) `
    + `WHERE ${wellFormed((name) => name, (name) => `json_type(${name})`)}); `
    + `SELECT schema, CAST(revision AS BIGINT) AS revision, ${HOUR_PARTS}, count(*) AS n FROM ${quoteIdent(table)} GROUP BY ALL ORDER BY ALL`;
}

/**
 * The identity a row needs, on a record's fields: `text(name)` is a field as text, `type(name)`
 * its JSON type. One condition for the load and for finding the lines it left out, so the two
 * agree (both read JSON the same way: the first of duplicate keys, any scalar as text).
 */
function wellFormed(text: (name: string) => string, type: (name: string) => string): string {
  return `regexp_full_match(${text('schema')}, ${quoteLiteral(SCHEMA_NAME)}) AND TRY_CAST(${text('revision')} AS BIGINT) >= 1 `
    + `AND regexp_full_match(${text('uuid')}, ${quoteLiteral(UUID)}) AND regexp_full_match(${text('dt')}, ${quoteLiteral(CANONICAL_DT)}) `
    + `AND TRY_CAST(${text('dt')} AS TIMESTAMP) IS NOT NULL AND ${type('event')} = 'OBJECT'`;
}

/** A schema revision the lake has no schema for. */
export interface MissingSchema {
  readonly schema: string;
  readonly revision: number;
}

/**
 * The lines of a batch's file (numbered from 0) that gave no row: those {@link loadBatchSql}
 * left out (not JSON, or an identity not well-formed; `ok` false), and those of a schema
 * revision in `missing` (`ok` true), with what they name as schema and revision. Reads the
 * file again, record by record: for batches that hold such lines only.
 */
export function rejectedLinesSql(file: string, missing: readonly MissingSchema[]): string {
  const field = (name: string) => `json_extract_string(json, ${quoteLiteral(`$.${name}`)})`;
  const ok = `coalesce(${wellFormed(field, (name) => `json_type(json, ${quoteLiteral(`$.${name}`)})`)}, false)`;
  const ofMissing = missing.map((m) => `(schema = ${quoteLiteral(m.schema)} AND revision = ${m.revision})`);
  return `SELECT line, ok, schema, revision FROM (`
    + `SELECT ordinality - 1 AS line, ${ok} AS ok, ${field('schema')} AS schema, TRY_CAST(${field('revision')} AS BIGINT) AS revision `
    + `FROM read_ndjson_objects(${quoteLiteral(file)}, ignore_errors = true) WITH ORDINALITY) `
    + `WHERE NOT ok${ofMissing.length > 0 ? ` OR ${ofMissing.join(' OR ')}` : ''} ORDER BY line`;
}

/** The typed SELECT list of a table's columns from a loaded batch. */
export function typedSelect(columns: readonly LakeColumn[]): string {
  return columns.map((c) => {
    const id = quoteIdent(c.name);
    if (c.name === 'dt') return `el_ts AS ${id}`;
    if (typeof c.type !== 'string') return `json_transform(${id}, ${quoteLiteral(JSON.stringify(c.type))}) AS ${id}`;
    return c.type === 'VARCHAR' ? id : `TRY_CAST(${id} AS ${c.type}) AS ${id}`;
  }).join(', ');
}

/**
 * Writes one schema revision's rows of a loaded batch as Parquet files, one per hour, under
 * `dir/year=Y/month=M/day=D/hour=H/<name>-<i>.parquet`; answers with the files' paths (`Files`).
 */
export function copyPartitionedSql(table: string, columns: readonly LakeColumn[], schema: string, revision: number, dir: string, name: string): string {
  return `COPY (SELECT ${typedSelect(columns)}, ${HOUR_PARTS} `
    + `FROM ${quoteIdent(table)} WHERE ${ofRevision(schema, revision)}) `
    + `TO ${quoteLiteral(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month, day, hour), `
    + `FILENAME_PATTERN ${quoteLiteral(`${name}-{i}`)}, OVERWRITE_OR_IGNORE true, RETURN_FILES true)`;
}

/**
 * Which rows of a loaded batch one file takes: those of a schema revision and of an hour. A part
 * left out is the whole batch's (a batch of one revision, or of one hour, needs no filter on it:
 * measured, the filter costs a fifth of the write).
 */
export interface RowScope {
  readonly revision?: { readonly schema: string; readonly revision: number };
  readonly hour?: LakeHour;
}

/**
 * Writes the rows of a loaded batch in `scope`, all in one hour, as one Parquet file (the columns
 * a partitioned write keeps in the file); answers with its size (`file_size_bytes`). Cheaper than
 * a partitioned write, which sorts rows into folders: about a third less CPU per 10,000 rows,
 * measured.
 */
export function copyHourSql(table: string, columns: readonly LakeColumn[], scope: RowScope, file: string): string {
  const where = [
    ...(scope.revision ? [ofRevision(scope.revision.schema, scope.revision.revision)] : []),
    ...(scope.hour ? [`year(el_ts) = ${scope.hour.year} AND month(el_ts) = ${scope.hour.month} AND day(el_ts) = ${scope.hour.day} AND hour(el_ts) = ${scope.hour.hour}`] : []),
  ];
  return `COPY (SELECT ${typedSelect(columns)} FROM ${quoteIdent(table)}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}) `
    + `TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd, RETURN_STATS true)`;
}

function ofRevision(schema: string, revision: number): string {
  return `schema = ${quoteLiteral(schema)} AND TRY_CAST(revision AS BIGINT) = ${revision}`;
}
