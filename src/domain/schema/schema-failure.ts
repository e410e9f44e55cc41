/**
 * Whether a schema lookup failed for now or for good. A schema that is not in the repository, or
 * does not parse or compile, is missing for good: its records cannot be written. A repository
 * that did not answer (a timeout, a refused connection, an HTTP 5xx, a file that could not be
 * read) may answer later: a consumer waits and asks again rather than drop the records.
 */
import { isElError } from '../errors.js';

/** True when the lookup may succeed if asked again. */
export function isTransientSchemaFailure(error: unknown): boolean {
  if (!isElError(error)) return true;
  if (error.code === 'EL_TIMEOUT') return true;
  if (error.code !== 'EL_SCHEMA_NOT_FOUND') return false;
  const status = (error.details as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number') return status >= 500 || status === 429;
  // No answer at all (a fetch or a read that failed has a cause); "no such schema" has none.
  return error.cause !== undefined;
}
