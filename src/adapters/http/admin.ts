import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { registerConsole } from './console.js';

/** What the admin API reads; all of it comes in, nothing is global. */
export interface AdminDeps {
  readonly registry: Registry;
  /** The `/status` document. */
  readonly status: () => unknown;
  /** Counter totals added to `/status` under `totals` (the console's rates). */
  readonly totals?: () => Promise<Record<string, number | null>>;
  /** Liveness: false when a role has failed for good. */
  readonly healthy: () => boolean;
  /** Readiness: false while a role is not (yet, or no longer) able to do its work. */
  readonly ready: () => { ready: boolean; reasons: readonly string[] };
  /** Further routes (the Burrow-compatible lag API), registered by their owners. */
  readonly routes?: ReadonlyArray<(app: FastifyInstance) => void>;
}

/**
 * Builds the admin HTTP app (`/metrics`, `/healthz`, `/readyz`, `/status`, the console at `/`) without listening, so
 * tests use `inject()` and the daemon decides where to listen.
 */
export function buildAdmin(deps: AdminDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });
  app.get('/healthz', async (_req, reply) => {
    const ok = deps.healthy();
    reply.code(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'failed' };
  });
  app.get('/readyz', async (_req, reply) => {
    const r = deps.ready();
    reply.code(r.ready ? 200 : 503);
    return { status: r.ready ? 'ready' : 'not-ready', reasons: r.reasons };
  });
  app.get('/status', async (_req, reply) => {
    // The console polls this every second: never serve it from a cache.
    reply.header('cache-control', 'no-store');
    const status = deps.status();
    return deps.totals && status !== null && typeof status === 'object' ? { ...status, totals: await deps.totals() } : status;
  });
  registerConsole(app);
  for (const register of deps.routes ?? []) register(app);
  return app;
}

/** Parses `HOST:PORT` (the `--admin` option). */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new Error(`expected HOST:PORT, got '${value}'`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}
