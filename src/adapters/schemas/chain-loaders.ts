import { ElError, isElError } from '../../domain/errors.js';
import type { SchemaLoader } from '../../domain/schema/schema-registry.js';
import { isTransientSchemaFailure } from '../../domain/schema/schema-failure.js';

/**
 * A loader trying each loader in order (e.g. the local directory, then HTTP). Only
 * `EL_SCHEMA_NOT_FOUND` moves on to the next one: a schema that exists but is broken, or a
 * timeout, is reported as it is rather than masked by a later "not found". When a source did
 * not answer (see isTransientSchemaFailure), the combined miss keeps that failure as its cause,
 * so a caller can tell "missing" from "not reachable now".
 */
export function chainLoaders(...loaders: readonly SchemaLoader[]): SchemaLoader {
  return async (name, revision) => {
    const misses: string[] = [];
    let unanswered: ElError | undefined;
    for (const load of loaders) {
      try {
        return await load(name, revision);
      } catch (error) {
        if (!isElError(error) || error.code !== 'EL_SCHEMA_NOT_FOUND') throw error;
        misses.push(error.message);
        if (isTransientSchemaFailure(error)) unanswered ??= error;
      }
    }
    throw new ElError('EL_SCHEMA_NOT_FOUND', misses.length > 0 ? misses.join('; ') : `no schema source configured for ${name}/${revision}`, {
      details: { schema: name, revision, ...(unanswered?.details?.status !== undefined && { status: unanswered.details.status }) },
      ...(unanswered && { cause: unanswered }),
    });
  };
}
