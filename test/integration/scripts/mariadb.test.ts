// scripts/mariadb on a slow machine: a private server (port BASE+216, data under .run/) started
// through a wrapper that waits before it becomes the server, as a loaded machine does before the
// server writes its pid file. The script must wait for it, and must still notice at once a server
// that dies during startup. The shared server on 3306 is not touched.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../..', import.meta.url).pathname;
const PORT = 3308;
const work = mkdtempSync(join(tmpdir(), 'el-mariadb-script-'));

function script(command: string, daemon?: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const env = { ...process.env, EL_MARIADB_PORT: String(PORT), EL_MARIADB_TIMEOUT: '60', ...(daemon ? { EL_MARIADB_DAEMON: daemon } : {}) };
    const child = spawn('bash', ['scripts/mariadb', command], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

function wrapper(name: string, body: string): string {
  const path = join(work, name);
  writeFileSync(path, `#!/bin/bash\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

after(async () => {
  await script('purge');
  rmSync(work, { recursive: true, force: true });
});

test('a server slow to start is waited for, not declared dead after three seconds', { timeout: 180_000 }, async (t) => {
  const slow = wrapper('slow-mariadbd', 'sleep 8\nexec /usr/sbin/mariadbd "$@"');
  const up = await script('start', slow);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, new RegExp(`started on 127.0.0.1:${PORT}`));
  assert.equal((await script('status')).code, 0);
  t.diagnostic(`started through an 8 s wrapper in ${up.ms} ms`);
  const down = await script('stop');
  assert.equal(down.code, 0, down.stderr);
});

test('a server that dies during startup is reported at once, with its log', { timeout: 180_000 }, async () => {
  const dying = wrapper('dying-mariadbd', 'sleep 1\necho "simulated failure" >&2\nexit 1');
  const r = await script('start', dying);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exited during startup/);
  assert.ok(r.ms < 30_000, `reported after ${r.ms} ms, not at the 60 s timeout`);
});
