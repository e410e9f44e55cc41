import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ElError } from '../../domain/errors.js';
import type { SeqStore } from './seq-allocator.js';

/**
 * A {@link SeqStore} in a small JSON file `{"next": N}`. Saving writes a temporary file, fsyncs
 * it, renames it over the old one and fsyncs the directory, so after a crash the file holds either
 * the old or the new mark, never a torn one. A file that exists but cannot be read as a mark is an
 * error, not a fresh start: starting over at 1 would reuse seqIds.
 */
export function createFileSeqStore(path: string): SeqStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new ElError('EL_CONFIG_INVALID', `cannot read seqId state ${path}: ${(error as Error).message}`, { cause: error });
      }
      let next: unknown;
      try {
        next = (JSON.parse(text) as { next?: unknown }).next;
      } catch (error) {
        throw new ElError('EL_CONFIG_INVALID', `seqId state ${path} is not JSON`, { cause: error });
      }
      if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 0) {
        throw new ElError('EL_CONFIG_INVALID', `seqId state ${path} has no valid "next" (got ${JSON.stringify(next)})`);
      }
      return next;
    },
    async save(next) {
      const dir = dirname(path);
      await mkdir(dir, { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(`${JSON.stringify({ next })}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
      // The rename itself is durable only once the directory entry is synced.
      const d = await open(dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    },
  };
}
