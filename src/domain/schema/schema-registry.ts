import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CAPSULE_PATTERNS, capsuleSchemaFor, formatValidationErrors } from './capsule-schema.js';
import { linearRegExpEngine } from './linear-regexp.js';
import { ElError, isElError } from '../errors.js';
import { assertSchemaRef, isValidRevision, isValidSchemaName, schemaKey } from './schema-name.js';
import { normalizeEventSchema } from './schema-normalize.js';
import { isTransientSchemaFailure } from './schema-failure.js';
import { isDivisibleBy } from './divisible-by.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => void;

/** Loads the raw schema document of (name, revision); rejects with `EL_SCHEMA_NOT_FOUND` when there is none. */
export type SchemaLoader = (name: string, revision: number) => Promise<unknown>;

/** Outcome of validating one capsule. Errors are data: the processor routes them to EventError. */
export type CapsuleValidation =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: 'EL_VALIDATION_FAILED' | 'EL_SCHEMA_NOT_FOUND' | 'EL_SCHEMA_INVALID'; readonly message: string };

/** A schema compiled once: validates whole capsules whose `event` follows it. */
export interface CompiledSchema {
  readonly name: string;
  readonly revision: number;
  /** The normalised draft-07 event schema (input of the table mapping). */
  readonly eventSchema: Readonly<Record<string, unknown>>;
  /** Validates a capsule (synchronous, never throws). */
  validate(capsule: unknown): CapsuleValidation;
}

/** Dependencies of {@link createSchemaRegistry}; I/O and the clock come in here. */
export interface SchemaRegistryDeps {
  readonly load: SchemaLoader;
  /** Milliseconds clock, used only to expire cached failures. */
  readonly now: () => number;
  /** How long a schema the repository lacks (or that does not compile) is remembered before it is asked again (default 60 s). */
  readonly failureTtlMs?: number;
  /**
   * How long a repository that did not answer is remembered (default 5 s): the consumers wait for
   * it rather than drop records, so they should find it back within seconds of its return.
   */
  readonly transientFailureTtlMs?: number;
  /** Upper bound on remembered failures, so random names from clients cannot grow memory (default 10,000). */
  readonly maxFailures?: number;
}

/** The schema repository: loads, converts, compiles and caches validators per (name, revision). */
export interface SchemaRegistry {
  /** The compiled schema, loading and compiling it on the first call; rejects with an `ElError`. */
  get(name: string, revision: number): Promise<CompiledSchema>;
  /** The compiled schema if it is already cached, else undefined. Synchronous: the per-event hot path. */
  peek(name: string, revision: number): CompiledSchema | undefined;
  /** Validates a capsule against its `schema`/`revision`, loading the schema if needed; never rejects. */
  validateCapsule(capsule: unknown): Promise<CapsuleValidation>;
  /** Names with at least one successfully compiled revision, sorted (bounded metric labels). */
  knownSchemas(): readonly string[];
}

interface Failure { readonly error: ElError; readonly until: number }

/**
 * The ajv that compiles event schemas: draft-07 with formats, plus draft-03's `divisibleBy` with
 * draft-03's decimal semantics (the conversion keeps the keyword; see divisible-by.ts).
 */
export function createEventSchemaAjv(): Ajv {
  // ownProperties: a property named `constructor` or `toString` is looked up on the event
  // itself, not inherited from Object.prototype. strictNumbers: Infinity and NaN are no numbers
  // (JSON would write them as null).
  // code.regExp: schema patterns run on a linear-time engine (see linear-regexp.ts).
  const ajv = new Ajv({
    allErrors: true, strict: false, addUsedSchema: false, logger: false, ownProperties: true, strictNumbers: true,
    code: { regExp: linearRegExpEngine(CAPSULE_PATTERNS) },
  });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: 'divisibleBy',
    type: 'number',
    schemaType: 'number',
    errors: false,
    validate: (divisor: number, value: number) => isDivisibleBy(value, divisor),
  });
  return ajv;
}

/**
 * Creates a schema registry. Successes are cached forever (a (name, revision) never changes);
 * failures are cached (`failureTtlMs`, or `transientFailureTtlMs` when the repository did not
 * answer) and then retried; concurrent lookups of one key share
 * one load. Validators are compiled by one ajv instance owned by this registry, which keeps no
 * reference to compiled schemas (we hold them), so its memory does not grow with lookups.
 */
export function createSchemaRegistry(deps: SchemaRegistryDeps): SchemaRegistry {
  const failureTtlMs = deps.failureTtlMs ?? 60_000;
  const transientFailureTtlMs = deps.transientFailureTtlMs ?? 5_000;
  const maxFailures = deps.maxFailures ?? 10_000;
  const ajv = createEventSchemaAjv();
  const compiled = new Map<string, CompiledSchema>();
  const failures = new Map<string, Failure>();
  const inflight = new Map<string, Promise<CompiledSchema>>();
  const names = new Set<string>();

  function compile(name: string, revision: number, raw: unknown): CompiledSchema {
    const eventSchema = normalizeEventSchema(raw);
    const capsuleSchema = capsuleSchemaFor(eventSchema);
    let fn: ValidateFunction;
    try {
      fn = ajv.compile(capsuleSchema);
    } catch (cause) {
      throw new ElError('EL_SCHEMA_INVALID', `schema ${name}/${revision} does not compile: ${(cause as Error).message}`, { cause, details: { schema: name, revision } });
    } finally {
      // ajv keys its compile cache by schema object; we keep the function, so drop its entry.
      ajv.removeSchema(capsuleSchema);
    }
    return Object.freeze({
      name,
      revision,
      eventSchema: Object.freeze(eventSchema),
      validate(capsule: unknown): CapsuleValidation {
        if (fn(capsule)) return { ok: true };
        return { ok: false, code: 'EL_VALIDATION_FAILED', message: formatValidationErrors(fn.errors) };
      },
    });
  }

  function remember(key: string, error: ElError): void {
    if (failures.size >= maxFailures) {
      const now = deps.now();
      for (const [k, f] of failures) if (f.until <= now) failures.delete(k);
      // Still full: forget the oldest (insertion order), it would expire first anyway.
      if (failures.size >= maxFailures) failures.delete(failures.keys().next().value as string);
    }
    failures.set(key, { error, until: deps.now() + (isTransientSchemaFailure(error) ? transientFailureTtlMs : failureTtlMs) });
  }

  function peek(name: string, revision: number): CompiledSchema | undefined {
    return compiled.get(schemaKey(name, revision));
  }

  function get(name: string, revision: number): Promise<CompiledSchema> {
    try {
      assertSchemaRef(name, revision);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = schemaKey(name, revision);
    const hit = compiled.get(key);
    if (hit) return Promise.resolve(hit);
    const failure = failures.get(key);
    if (failure) {
      if (failure.until > deps.now()) return Promise.reject(failure.error);
      failures.delete(key);
    }
    const pending = inflight.get(key);
    if (pending) return pending;
    const started = Promise.resolve()
      .then(() => deps.load(name, revision))
      .then((raw) => compile(name, revision, raw))
      .then(
        (schema) => {
          compiled.set(key, schema);
          names.add(name);
          return schema;
        },
        (cause: unknown) => {
          const error = isElError(cause)
            ? cause
            : new ElError('EL_SCHEMA_NOT_FOUND', `schema ${name}/${revision} could not be loaded: ${(cause as Error)?.message ?? String(cause)}`, { cause, details: { schema: name, revision } });
          remember(key, error);
          throw error;
        },
      )
      .finally(() => inflight.delete(key));
    inflight.set(key, started);
    return started;
  }

  async function validateCapsule(capsule: unknown): Promise<CapsuleValidation> {
    const { schema: name, revision } = (typeof capsule === 'object' && capsule !== null ? capsule : {}) as { schema?: unknown; revision?: unknown };
    if (!isValidSchemaName(name) || !isValidRevision(revision)) {
      try {
        assertSchemaRef(name, revision);
      } catch (error) {
        return { ok: false, code: 'EL_SCHEMA_NOT_FOUND', message: (error as Error).message };
      }
    }
    const ready = peek(name as string, revision as number);
    if (ready) return ready.validate(capsule);
    try {
      return (await get(name as string, revision as number)).validate(capsule);
    } catch (error) {
      const code = isElError(error) && error.code === 'EL_SCHEMA_INVALID' ? 'EL_SCHEMA_INVALID' : 'EL_SCHEMA_NOT_FOUND';
      return { ok: false, code, message: (error as Error).message };
    }
  }

  return {
    get,
    peek,
    validateCapsule,
    knownSchemas: () => [...names].sort(),
  };
}
