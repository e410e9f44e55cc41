import { ElError } from '../errors.js';

/** Schema names as the repository accepts them; anything else can never be looked up. */
export const SCHEMA_NAME_PATTERN = /^[./a-zA-Z0-9_-]{1,63}$/;

/** True when `name` is a schema name the repository can hold. */
export function isValidSchemaName(name: unknown): name is string {
  return typeof name === 'string' && SCHEMA_NAME_PATTERN.test(name);
}

/** True when `revision` is an integer ≥ 1 (a safe integer, so it keys a cache exactly). */
export function isValidRevision(revision: unknown): revision is number {
  return typeof revision === 'number' && Number.isSafeInteger(revision) && revision >= 1;
}

/**
 * Checks a (name, revision) reference before any lookup. A malformed reference is reported as
 * `EL_SCHEMA_NOT_FOUND` (no such schema can exist) and never reaches a loader or a cache, so
 * garbage from clients cannot grow the caches or probe the file system.
 */
export function assertSchemaRef(name: unknown, revision: unknown): asserts name is string {
  if (!isValidSchemaName(name)) {
    throw new ElError('EL_SCHEMA_NOT_FOUND', `invalid schema name ${describe(name)}: must match ${SCHEMA_NAME_PATTERN.source}`);
  }
  if (!isValidRevision(revision)) {
    throw new ElError('EL_SCHEMA_NOT_FOUND', `invalid revision ${describe(revision)} of schema '${name}': must be an integer >= 1`);
  }
}

/** The cache key of a schema reference. */
export function schemaKey(name: string, revision: number): string {
  return `${name}\u0000${revision}`;
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
