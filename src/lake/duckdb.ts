/**
 * The lake's embedded engine, DuckDB, behind one small face: a pool of connections to one
 * in-memory instance. A statement runs on whichever connection is free; a session holds one
 * connection for several statements (a batch's temporary table lives on its connection), so
 * batches of different partitions are written at the same time.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** Runs statements, one at a time, on one connection. */
export interface Session {
  /** Runs one statement; its rows as JSON-friendly objects (big integers as text). */
  all(sql: string): Promise<Record<string, unknown>[]>;
}

/** A DuckDB instance with its connections. */
export interface Engine extends Session {
  /** Runs `work` with a connection of its own until it settles. */
  session<T>(work: (session: Session) => Promise<T>): Promise<T>;
  close(): void;
}

/** What {@link openEngine} takes. */
export interface EngineOptions {
  /** Bounds what DuckDB keeps in memory (e.g. `256MB`). */
  readonly memoryLimit?: string;
  /** Where DuckDB spills what does not fit. */
  readonly tempDirectory?: string;
  /** Connections in the pool (default 1). */
  readonly connections?: number;
  /** Threads DuckDB runs a statement on (default: one per core). */
  readonly threads?: number;
}

/** Opens an in-memory engine. */
export async function openEngine(options: EngineOptions = {}): Promise<Engine> {
  const instance = await DuckDBInstance.create(':memory:', {
    ...(options.memoryLimit && { memory_limit: options.memoryLimit }),
    ...(options.tempDirectory && { temp_directory: options.tempDirectory }),
    ...(options.threads !== undefined && { threads: String(options.threads) }),
  });
  const free: DuckDBConnection[] = [];
  const all: DuckDBConnection[] = [];
  for (let i = 0; i < Math.max(1, options.connections ?? 1); i += 1) {
    const c = await instance.connect();
    free.push(c);
    all.push(c);
  }
  const waiting: Array<(c: DuckDBConnection) => void> = [];
  const acquire = (): Promise<DuckDBConnection> => {
    const c = free.pop();
    return c ? Promise.resolve(c) : new Promise((resolve) => waiting.push(resolve));
  };
  const release = (c: DuckDBConnection): void => {
    const next = waiting.shift();
    if (next) next(c);
    else free.push(c);
  };
  const run = async (c: DuckDBConnection, sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  const session = async <T>(work: (s: Session) => Promise<T>): Promise<T> => {
    const c = await acquire();
    try {
      return await work({ all: (sql) => run(c, sql) });
    } finally {
      release(c);
    }
  };
  return {
    all: (sql) => session((s) => s.all(sql)),
    session,
    close() {
      for (const c of all) c.closeSync();
      instance.closeSync();
    },
  };
}
