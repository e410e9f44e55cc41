import { ElError } from '../../domain/errors.js';
import { assertSchemaRef } from '../../domain/schema/schema-name.js';

/**
 * The path segments of a schema name, for building file paths and URLs. Names may contain `/`
 * (nested folders) and `.`, but a `.`/`..`/empty segment is refused: it would let a client-chosen
 * name reach outside the repository (`../../etc/passwd`).
 */
export function schemaPathSegments(name: string, revision: number): string[] {
  assertSchemaRef(name, revision);
  const segments = name.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new ElError('EL_SCHEMA_NOT_FOUND', `invalid schema name '${name}': empty, '.' or '..' path segment`);
  }
  return segments;
}
