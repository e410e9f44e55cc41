/**
 * Runs the built CLI's daemon (`bin/eventlogging run`) as a child process, as an operator would,
 * for tests that need a whole daemon: its admin address comes from its log.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { until } from './wait.js';

const root = new URL('../..', import.meta.url).pathname;

/** Compiles src/ into dist/, which bin/eventlogging runs. */
export function buildCli(): void {
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
}

/** A config directory holding `files` (path → argument lines). */
export function configDir(files: Record<string, readonly string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'el-config-'));
  for (const [path, args] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), `${args.join('\n')}\n`);
  }
  return dir;
}

export interface RunningDaemon {
  readonly child: ChildProcess;
  /** host:port of the admin server. */
  readonly admin: string;
  /** SIGTERM, then the exit code once it has drained. */
  stop(): Promise<number | null>;
  readonly stderr: readonly string[];
}

/** Starts the daemon on `dir`; resolves once `/readyz` answers 200. */
export async function startCliDaemon(dir: string): Promise<RunningDaemon> {
  const child = spawn(join(root, 'bin/eventlogging'), ['run', '--config-dir', dir, '--admin', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' },
  });
  let admin: string | undefined;
  const stderr: string[] = [];
  child.stderr!.on('data', (d) => stderr.push(String(d)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { admin?: string };
      if (entry.admin) admin = entry.admin;
    } catch { /* not a log line */ }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await until(() => admin !== undefined, 30_000, 'the admin address in the log');
    await until(async () => (await fetch(`http://${admin}/readyz`)).status === 200, 60_000, 'readyz 200');
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}; stderr: ${stderr.join('')}`);
  }
  return {
    child, admin: admin!, stderr,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The address the daemon's intake role listens on (from `/status`). */
export async function intakeAddress(admin: string): Promise<string> {
  const status = await (await fetch(`http://${admin}/status`)).json() as { roles: Array<{ kind: string; details?: { address?: string } }> };
  const address = status.roles.find((r) => r.kind === 'intakes')?.details?.address;
  if (!address) throw new Error('the intake reports no address');
  return address;
}

/**
 * The config of a whole pipeline: an intake on a free port writing `raw`, a processor reading it
 * (valid events to `mixed`, EventErrors to `errors`), and a MySQL consumer of `mixed`.
 */
export function pipelineConfig(o: {
  brokers: string; raw: string; mixed: string; errors: string; schemas: string; seqFile: string;
  processorGroup: string; consumerGroup: string; mysql: string; consumerArgs?: readonly string[];
}): Record<string, readonly string[]> {
  return {
    'intakes/beacon': ['--host', '127.0.0.1', '--port', '0', '--seq-state', o.seqFile, `kafka:///${o.brokers}?topic=${o.raw}`],
    'processors/client-side-00': [
      '--schemas-path', o.schemas, '--output-invalid', `kafka:///${o.brokers}?topic=${o.errors}`,
      '%q %{recvFrom}s %{seqId}d %D %{ip}i %u',
      `kafka:///${o.brokers}?topics=${o.raw}&identity=${o.processorGroup}`,
      `kafka:///${o.brokers}?topic=${o.mixed}`,
    ],
    'consumers/mysql-00': [
      '--schemas-path', o.schemas, ...(o.consumerArgs ?? []),
      `kafka:///${o.brokers}?topics=${o.mixed}&identity=${o.consumerGroup}`,
      o.mysql,
    ],
  };
}
