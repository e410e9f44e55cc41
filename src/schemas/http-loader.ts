import { ElError } from '../domain/errors.js';
import type { SchemaLoader } from '../domain/schema-registry.js';
import { schemaPathSegments } from './schema-path.js';

/** Options of {@link httpLoader}. */
export interface HttpLoaderOptions {
  /** Abort a fetch after this long (default 5,000 ms): a hung server must not stall validation forever. */
  readonly timeoutMs?: number;
  /** The fetch implementation (default: global fetch); injected by tests. */
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * A schema loader fetching `<baseUrl>/<Name>/<revision>.json`. 404/410 reject with
 * `EL_SCHEMA_NOT_FOUND`; other HTTP failures also with `EL_SCHEMA_NOT_FOUND` (the registry
 * remembers the failure briefly, then asks again); a timeout with `EL_TIMEOUT`; a body that is
 * not JSON with `EL_SCHEMA_INVALID`.
 */
export function httpLoader(baseUrl: string, options: HttpLoaderOptions = {}): SchemaLoader {
  const timeoutMs = options.timeoutMs ?? 5000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const base = baseUrl.replace(/\/+$/, '');
  return async (name, revision) => {
    const url = `${base}/${schemaPathSegments(name, revision).map(encodeURIComponent).join('/')}/${revision}.json`;
    const details = { schema: name, revision, url };
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
      text = await response.text();
    } catch (cause) {
      const timedOut = (cause as Error)?.name === 'TimeoutError' || (cause as Error)?.name === 'AbortError';
      if (timedOut) throw new ElError('EL_TIMEOUT', `fetching schema ${name}/${revision} from ${url} timed out after ${timeoutMs} ms`, { cause, details });
      throw new ElError('EL_SCHEMA_NOT_FOUND', `fetching schema ${name}/${revision} from ${url} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause, details });
    }
    if (!response.ok) {
      throw new ElError('EL_SCHEMA_NOT_FOUND', `schema ${name}/${revision} not found at ${url} (HTTP ${response.status})`, { details: { ...details, status: response.status } });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new ElError('EL_SCHEMA_INVALID', `schema ${name}/${revision} from ${url} is not JSON: ${(cause as Error).message}`, { cause, details });
    }
  };
}
