/**
 * The lake's embedded engine, DuckDB, behind one small face: statements run one at a time on one
 * connection (the writer, the refiner and the query command each hold their own).
 */
import { DuckDBInstance } from '@duckdb/node-api';

/** A DuckDB connection that runs statements in order. */
export interface Engine {
  /** Runs one statement; its rows as JSON-friendly objects (big integers as text). */
  all(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/** Opens an in-memory engine; `memoryLimit` bounds what DuckDB keeps (e.g. `256MB`), `tempDirectory` is where it spills. */
export async function openEngine(options: { readonly memoryLimit?: string; readonly threads?: number; readonly tempDirectory?: string } = {}): Promise<Engine> {
  const instance = await DuckDBInstance.create(':memory:', {
    ...(options.memoryLimit && { memory_limit: options.memoryLimit }),
    ...(options.tempDirectory && { temp_directory: options.tempDirectory }),
    ...(options.threads && { threads: String(options.threads) }),
  });
  const connection = await instance.connect();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    all(sql) {
      const run = queue.then(async () => (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]);
      queue = run.catch(() => undefined);
      return run;
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
