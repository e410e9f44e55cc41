import type { KafkaRecord } from '../../adapters/kafka/kafka-record.js';
import type { SchemaRegistry, CompiledSchema } from '../../domain/schema/schema-registry.js';
import { tableFor, type TableDefinition } from '../../domain/table/table-mapping.js';
import { rowFor } from '../../domain/table/table-row.js';
import { keepForMysql, type BotPolicy, type UserAgentInfo } from '../../domain/event/user-agent.js';
import type { InsertItem } from '../../streams/insert.js';
import { isElError } from '../../domain/errors.js';

interface CapsuleLike { schema?: unknown; revision?: unknown; event?: unknown; uuid?: unknown; dt?: unknown; userAgent?: unknown; wiki?: string; webHost?: string }

/** Turns consumed capsules into rows; tables are mapped once per (schema, revision). */
export function createRowMapper(registry: SchemaRegistry, policy: BotPolicy) {
  // Keyed by the compiled schema itself (the registry keeps one per (schema, revision) forever).
  const tables = new WeakMap<CompiledSchema, TableDefinition>();

  function tableOf(compiled: CompiledSchema): TableDefinition {
    let table = tables.get(compiled);
    if (!table) {
      table = tableFor(compiled.name, compiled.revision, compiled.eventSchema);
      tables.set(compiled, table);
    }
    return table;
  }

  function fromCompiled(record: KafkaRecord, raw: string, capsule: CapsuleLike, compiled: CompiledSchema): InsertItem {
    const table = tableOf(compiled);
    return { kind: 'row', offset: record.offset, table, raw, row: rowFor(capsule as Parameters<typeof rowFor>[0], table) };
  }

  /**
   * Maps one record: synchronously when its schema is cached (the hot path), else a promise.
   * Never throws: what cannot become a row becomes a `failed` item, and so an EventError.
   */
  return function toInsertItem(record: KafkaRecord): InsertItem | Promise<InsertItem> {
    const raw = record.value?.toString('utf8') ?? '';
    let capsule: CapsuleLike;
    try {
      capsule = JSON.parse(raw) as CapsuleLike;
    } catch (error) {
      return { kind: 'failed', offset: record.offset, raw, message: `not JSON: ${(error as Error).message}`, errorCode: 'EL_DECODE_FAILED' };
    }
    if (typeof capsule !== 'object' || capsule === null || typeof capsule.schema !== 'string' || typeof capsule.revision !== 'number'
      || typeof capsule.uuid !== 'string' || typeof capsule.dt !== 'string') {
      return { kind: 'failed', offset: record.offset, raw, message: 'not an event capsule: schema, revision, uuid and dt are required', errorCode: 'EL_VALIDATION_FAILED' };
    }
    if (!keepForMysql(capsule.userAgent as UserAgentInfo | null | undefined, policy)) return { kind: 'skip', offset: record.offset, reason: 'bot' };
    const compiled = registry.peek(capsule.schema, capsule.revision);
    if (compiled) return fromCompiled(record, raw, capsule, compiled);
    return registry.get(capsule.schema, capsule.revision).then(
      (c) => fromCompiled(record, raw, capsule, c),
      (error: unknown) => ({
        kind: 'failed', offset: record.offset, raw,
        message: (error as Error).message, errorCode: isElError(error) ? error.code : 'EL_SCHEMA_NOT_FOUND',
      }),
    );
  };
}
