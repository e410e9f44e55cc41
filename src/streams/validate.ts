import type { OperatorFunction } from 'rxjs';
import { orderedMap } from './ordered-map.js';
import type { CapsuleValidation, SchemaRegistry } from '../domain/schema-registry.js';

/** A capsule that passed validation. */
export interface ValidCapsule<T> { readonly kind: 'valid'; readonly capsule: T }
/** A capsule that did not: the code and message go into its EventError. */
export interface InvalidCapsule<T> {
  readonly kind: 'invalid';
  readonly capsule: T;
  readonly code: Extract<CapsuleValidation, { ok: false }>['code'];
  readonly message: string;
}
/** What {@link validate} emits for each capsule, in input order. */
export type ValidateOutcome<T> = ValidCapsule<T> | InvalidCapsule<T>;

/** Dependencies of {@link validate}. */
export interface ValidateDeps {
  readonly registry: Pick<SchemaRegistry, 'peek' | 'validateCapsule'>;
}

function outcome<T>(capsule: T, result: CapsuleValidation): ValidateOutcome<T> {
  return result.ok ? { kind: 'valid', capsule } : { kind: 'invalid', capsule, code: result.code, message: result.message };
}

/**
 * Validates each capsule against its schema revision and emits the outcome as data, in input
 * order, never erroring on a bad capsule. The common case (schema already compiled) is handled
 * synchronously via `registry.peek`; only a cache miss waits for the registry, and while it waits
 * later capsules are queued behind it so order is kept (offsets are committed in order downstream).
 * Source errors and completion pass through; completion waits for queued capsules.
 */
export function validate<T extends object>(deps: ValidateDeps): OperatorFunction<T, ValidateOutcome<T>> {
  const { registry } = deps;
  return orderedMap((capsule: T): ValidateOutcome<T> | Promise<ValidateOutcome<T>> => {
    const { schema, revision } = capsule as { schema?: unknown; revision?: unknown };
    const compiled = typeof schema === 'string' && typeof revision === 'number' ? registry.peek(schema, revision) : undefined;
    if (compiled) return outcome(capsule, compiled.validate(capsule));
    return registry.validateCapsule(capsule).then(
      (result) => outcome(capsule, result),
      // validateCapsule resolves by contract; a rejection still becomes data, not a stream error.
      (error: unknown) => outcome(capsule, { ok: false, code: 'EL_SCHEMA_NOT_FOUND', message: String((error as Error)?.message ?? error) }),
    );
  });
}
