import { ElError } from '../../domain/errors.js';
import type { SchemaLoader } from '../../domain/schema/schema-registry.js';
import { schemaPathSegments } from './schema-path.js';

/** Options of {@link httpLoader}. */
export interface HttpLoaderOptions {
  /** Abort a fetch after this long (default 5,000 ms): a hung server must not stall validation forever. */
  readonly timeoutMs?: number;
  /** The fetch implementation (default: global fetch); injected by tests. */
  readonly fetch?: typeof globalThis.fetch;
  /** Largest schema document accepted, bytes (default 1 MiB): a schema is a few KB. */
  readonly maxBytes?: number;
}

/** Redirects followed, each within the repository's origin. */
const MAX_REDIRECTS = 3;

/**
 * The body as text, refused once it passes `maxBytes` (read as a stream, so a 400 MB answer
 * costs 1 MiB of memory, not 400 MB).
 */
async function boundedText(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/**
 * A schema loader fetching `<baseUrl>/<Name>/<revision>.json`, following redirects only within
 * the base URL's origin and reading at most `maxBytes`. 404/410 reject with
 * `EL_SCHEMA_NOT_FOUND`; other HTTP failures also with `EL_SCHEMA_NOT_FOUND` (the registry
 * remembers the failure briefly, then asks again); a timeout with `EL_TIMEOUT`; a body that is
 * not JSON with `EL_SCHEMA_INVALID`.
 */
export function httpLoader(baseUrl: string, options: HttpLoaderOptions = {}): SchemaLoader {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 1_048_576;
  const doFetch = options.fetch ?? globalThis.fetch;
  const base = baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  return async (name, revision) => {
    const url = `${base}/${schemaPathSegments(name, revision).map(encodeURIComponent).join('/')}/${revision}.json`;
    const details = { schema: name, revision, url };
    let response: Response;
    let text: string | undefined;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      let at = url;
      // Redirects are followed by hand, only within the repository's origin: a schema must come
      // from the server the operator named.
      for (let hops = 0; ; hops += 1) {
        response = await doFetch(at, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
        const location = response.headers.get('location');
        if (response.status < 300 || response.status >= 400 || location === null) break;
        await response.body?.cancel();
        const next = new URL(location, at);
        if (next.origin !== origin || hops >= MAX_REDIRECTS) {
          throw new ElError('EL_SCHEMA_NOT_FOUND', `schema ${name}/${revision}: ${url} redirects to ${next.origin !== origin ? `another origin (${next.origin})` : 'too many places'}; not followed`, { details });
        }
        at = next.href;
      }
      text = await boundedText(response, maxBytes);
    } catch (cause) {
      if (cause instanceof ElError) throw cause;
      const timedOut = (cause as Error)?.name === 'TimeoutError' || (cause as Error)?.name === 'AbortError';
      if (timedOut) throw new ElError('EL_TIMEOUT', `fetching schema ${name}/${revision} from ${url} timed out after ${timeoutMs} ms`, { cause, details });
      throw new ElError('EL_SCHEMA_NOT_FOUND', `fetching schema ${name}/${revision} from ${url} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause, details });
    }
    if (!response.ok) {
      throw new ElError('EL_SCHEMA_NOT_FOUND', `schema ${name}/${revision} not found at ${url} (HTTP ${response.status})`, { details: { ...details, status: response.status } });
    }
    if (text === undefined) throw new ElError('EL_SCHEMA_INVALID', `schema ${name}/${revision} from ${url} is larger than ${maxBytes} bytes`, { details });
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new ElError('EL_SCHEMA_INVALID', `schema ${name}/${revision} from ${url} is not JSON: ${(cause as Error).message}`, { cause, details });
    }
  };
}
