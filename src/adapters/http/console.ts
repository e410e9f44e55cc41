import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/**
 * The operator console: one page, its script and its style, served from the admin port. The
 * script polls `/status` and draws what it finds; it changes nothing. Everything it needs ships
 * with the package (no CDN), and the policy header forbids the page any other origin, inline
 * script or eval, since it shows text that came from clients (EventError messages).
 */
const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const;

const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The assets sit beside this file in src/; from dist/ (the build) the same relative path leads to src/.
const assetDir = new URL('../../../src/adapters/http/console/', import.meta.url);

export function registerConsole(app: FastifyInstance): void {
  for (const [path, asset] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(asset.file, assetDir));
    app.get(path, async (_req, reply) => {
      reply.header('content-type', asset.type);
      reply.header('content-security-policy', POLICY);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cache-control', 'no-cache');
      return body;
    });
  }
}
