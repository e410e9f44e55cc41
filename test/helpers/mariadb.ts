/**
 * Test helpers for the real MariaDB started by `scripts/mariadb up`
 * (127.0.0.1:3306, root, empty password, database `test`).
 */
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';

/** Connection settings of the test database. */
export const DB_CONFIG = Object.freeze({
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  password: '',
  database: 'test',
});

/** Opens one connection to the test database; the caller must `end()` it. */
export async function openDb(): Promise<Connection> {
  return mysql.createConnection({ ...DB_CONFIG, connectTimeout: 5000 });
}

/**
 * A table name no other test (or earlier run) has used: `<prefix>_<time>_<random>`, only
 * `[A-Za-z0-9_]`, at most 64 characters (MariaDB's limit).
 */
export function freshTableName(prefix: string): string {
  const suffix = `_${Date.now().toString(36)}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const safe = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64 - suffix.length);
  return `${safe}${suffix}`;
}
