/**
 * Starts `bin/eventlogging run` on a config directory written for one benchmark: its own topics,
 * consumer groups, database and schema folder, so no run sees another's data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, sleep } from './infra.js';

/** The repository root (bench/lib/../..). */
export const ROOT = new URL('../..', import.meta.url).pathname;
/** The CLI (runs dist/, so `npm run build` must have run). */
export const BIN = join(ROOT, 'bin/eventlogging');

/** The processor FORMAT the intake writes (production format). */
export const RAW_FORMAT = '%q %{recvFrom}s %{seqId}d %D %{ip}i %u';

/** A browser user agent (bots are dropped by the consumer's default policy). */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';

/** Fails early with a clear message when dist/ was not built. */
export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (bench/run does)');
}

/**
 * Writes a schema folder holding `BenchEvent/<rev>.json` for each revision: an event with an
 * integer `seq` and `sentAt` (ms since the epoch, set by the load generator, so the latency from
 * beacon to row can be read off the row). One revision per phase gives each phase its own table.
 */
export function benchSchemas(revisions: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'el-bench-schemas-'));
  mkdirSync(join(dir, 'BenchEvent'));
  for (let r = 1; r <= revisions; r++) {
    writeFileSync(join(dir, 'BenchEvent', `${r}.json`), JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#',
      description: 'Benchmark event: a sequence number and the send time in ms.',
      type: 'object',
      properties: { seq: { type: 'integer' }, sentAt: { type: 'integer' }, source: { type: 'string' } },
      required: ['seq', 'sentAt'],
    }));
  }
  return dir;
}

/** The path and query of one beacon carrying a BenchEvent. */
export function beaconPath(revision: number, seq: number, sentAt: number): string {
  const capsule = { schema: 'BenchEvent', revision, wiki: 'benchwiki', webHost: 'bench.example.org', event: { seq, sentAt, source: 'bench' } };
  return `/beacon/event?${encodeURIComponent(JSON.stringify(capsule))};`;
}

/** A running daemon. */
export interface Daemon {
  readonly pid: number;
  readonly admin: string;
  readonly configDir: string;
  /** SIGTERM, wait for the exit (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Writes `files` (path under the config dir → lines) and starts the daemon; resolves once /readyz answers 200. */
export async function startDaemon(files: Record<string, readonly string[]>, readyTimeoutMs = 60_000): Promise<Daemon> {
  requireBuild();
  const configDir = mkdtempSync(join(tmpdir(), 'el-bench-config-'));
  for (const [path, lines] of Object.entries(files)) {
    mkdirSync(join(configDir, path, '..'), { recursive: true });
    writeFileSync(join(configDir, path), `${lines.join('\n')}\n`);
  }
  // A known admin port: the daemon logs its bound address only at info level, and the bench runs it at warn.
  let admin: string | undefined = `127.0.0.1:${await freePort()}`;
  const child: ChildProcess = spawn(BIN, ['run', '--config-dir', configDir, '--admin', admin], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: process.env.EL_BENCH_DAEMON_LOG_LEVEL ?? 'warn' },
  });
  const tail: string[] = [];
  const keep = (line: string) => { tail.push(line); if (tail.length > 40) tail.shift(); };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    keep(line);
    try {
      const entry = JSON.parse(line) as { admin?: string };
      if (entry.admin) admin = entry.admin;
    } catch { /* not a log line */ }
  });
  createInterface({ input: child.stderr! }).on('line', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { exitCode = code; resolve(code); }));
  const deadline = Date.now() + readyTimeoutMs;
  const fail = async (why: string): Promise<never> => {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`daemon ${why}:\n${tail.join('\n')}`);
  };
  for (;;) {
    if (exitCode !== undefined) await fail(`exited with ${exitCode}`);
    if (Date.now() > deadline) await fail(`not ready after ${readyTimeoutMs} ms`);
    if (admin !== undefined) {
      try {
        if ((await fetch(`http://${admin}/readyz`)).status === 200) break;
      } catch { /* not listening yet */ }
    }
    await sleep(200);
  }
  return {
    pid: child.pid!,
    admin: admin!,
    configDir,
    async stop(graceMs = 30_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
