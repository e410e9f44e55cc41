/**
 * The product as production runs it: modules loaded from the tsc build in dist/ (what
 * `bin/eventlogging` runs), typed by their sources. Run from src/ through tsx, the processor was
 * 19 % slower (24,000 against 28,600 events/s, 3 runs each, 2026-11-24), so an in-process bench
 * on src/ would measure the loader, not the code. `bench/run` builds first; a part run on its own
 * refuses a dist/ older than src/.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './daemon.js';

/** Throws, naming a file, when dist/ misses a source or is older than it. */
function assertBuildFresh(): void {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const out = join(ROOT, 'dist', relative(join(ROOT, 'src'), path)).replace(/\.ts$/, '.js');
        let built = 0;
        try {
          built = statSync(out).mtimeMs;
        } catch { /* missing: stale */ }
        if (built < statSync(path).mtimeMs) stale.push(relative(ROOT, path));
      }
    }
  };
  walk(join(ROOT, 'src'));
  if (stale.length > 0) throw new Error(`dist/ is older than ${stale[0]} (and ${stale.length - 1} more): run \`npm run build\` (bench/run does)`);
}

let checked = false;

/** Imports `dist/<path>` (a path under src/, ending in .js), typed as its source module `T`. */
export async function built<T>(path: string): Promise<T> {
  if (!checked) {
    assertBuildFresh();
    checked = true;
  }
  return await import(join(ROOT, 'dist', path)) as T;
}
