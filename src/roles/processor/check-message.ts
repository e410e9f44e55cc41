/**
 * The processor's per-event domain path in one call: raw line → parse → decode → capsule →
 * validate. It answers synchronously whenever the schema is already compiled (`peek`), and with a
 * promise only on the first event of a (schema, revision). Every failure comes back as data (a
 * `failed` item holding the input of `makeEventError`); nothing here throws.
 */
import { isElError } from '../../domain/errors.js';
import { validationFailureKind } from '../../domain/event/event-error.js';
import type { CompiledSchema, SchemaRegistry } from '../../domain/schema/schema-registry.js';
import type { LineParser } from '../../domain/event/format-string.js';
import { parseMessage, type ParsedItem, type RawMessage } from '../../streams/parse.js';
import type { Checked, FailedCheck } from '../../streams/route.js';

/** What {@link createMessageChecker} needs. */
export interface MessageCheckerDeps {
  /** The compiled FORMAT. */
  readonly parseLine: LineParser;
  readonly registry: Pick<SchemaRegistry, 'peek' | 'get'>;
}

/** Checks one raw message; synchronous unless its schema has to be loaded first. */
export type MessageChecker = (message: RawMessage) => Checked | Promise<Checked>;

function validated(item: ParsedItem, compiled: CompiledSchema): Checked {
  const result = compiled.validate(item.capsule);
  if (result.ok) return item.source !== undefined ? { kind: 'valid', capsule: item.capsule, source: item.source } : { kind: 'valid', capsule: item.capsule };
  return schemaFailure(item, result.code, result.message);
}

function schemaFailure(item: ParsedItem, errorCode: 'EL_VALIDATION_FAILED' | 'EL_SCHEMA_NOT_FOUND' | 'EL_SCHEMA_INVALID', message: string): FailedCheck {
  const { capsule, rawEvent, source } = item;
  return {
    kind: 'failed',
    error: {
      code: validationFailureKind(errorCode),
      rawEvent,
      message,
      schema: capsule.schema,
      revision: capsule.revision,
      ...(capsule.wiki !== undefined ? { wiki: capsule.wiki } : {}),
      ...(source !== undefined ? { source } : {}),
      stage: 'validate',
      errorCode,
    },
    ...(source !== undefined ? { source } : {}),
  };
}

/**
 * Creates the checker. A schema that cannot be loaded or compiled fails the event as `processor`
 * (the original's kind for it) with `EL_SCHEMA_NOT_FOUND`/`EL_SCHEMA_INVALID` (the registry remembers the failure briefly, so a
 * flood of events for a missing schema does not hammer the repository).
 */
export function createMessageChecker(deps: MessageCheckerDeps): MessageChecker {
  const { parseLine, registry } = deps;
  return (message) => {
    const parsed = parseMessage(parseLine, message);
    if (parsed.kind === 'failed') return parsed;
    const { schema, revision } = parsed.capsule;
    const compiled = registry.peek(schema, revision);
    if (compiled !== undefined) return validated(parsed, compiled);
    return registry.get(schema, revision).then(
      (loaded) => validated(parsed, loaded),
      (error: unknown) => {
        const code = isElError(error) && error.code === 'EL_SCHEMA_INVALID' ? 'EL_SCHEMA_INVALID' : 'EL_SCHEMA_NOT_FOUND';
        return schemaFailure(parsed, code, (error as Error)?.message ?? String(error));
      },
    );
  };
}
