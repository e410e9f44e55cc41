import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { until } from '../../helpers/wait.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/eventlogging');

before(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  assert.equal(r.status, 0, 'build');
});

/** An intake on a free port writing raw lines to a file: no Kafka needed. */
function intakeFile(dir: string, name: string, recvFrom = name): string {
  return ['--port', '0', '--recv-from', recvFrom, '--seq-state', join(dir, `${name}.seq`), `file://${join(dir, `${name}.log`)}`].join('\n');
}

interface StatusBody { roles: Array<{ kind: string; name: string; state: string; details?: { recvFrom?: string } }> }

test('SIGHUP starts added roles, stops removed ones, restarts changed ones, keeps the rest, and ignores a bad config', async () => {
  const work = mkdtempSync(join(tmpdir(), 'el-reload-'));
  const dir = join(work, 'config');
  mkdirSync(join(dir, 'intakes'), { recursive: true });
  writeFileSync(join(dir, 'intakes', 'a'), intakeFile(work, 'a'));
  const child = spawn(bin, ['run', '--config-dir', dir, '--admin', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } });
  let admin: string | undefined;
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  child.stderr.on('data', (d) => stderr.push(String(d)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (typeof entry.admin === 'string') admin = entry.admin;
    } catch { /* not a log line */ }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const reloads = () => logs.filter((l) => l.msg === 'daemon reloaded');
  const status = async () => (await (await fetch(`http://${admin}/status`)).json()) as StatusBody;
  const names = async () => (await status()).roles.map((r) => `${r.kind}/${r.name}:${r.state}`);
  try {
    await until(() => admin !== undefined, 20_000, 'the admin address in the log');
    await until(async () => (await fetch(`http://${admin}/readyz`)).status === 200, 20_000, 'readyz 200');
    assert.deepEqual(await names(), ['intakes/a:running']);

    // Added.
    writeFileSync(join(dir, 'intakes', 'b'), intakeFile(work, 'b'));
    child.kill('SIGHUP');
    await until(() => reloads().length === 1, 20_000, 'the first reload');
    assert.deepEqual(reloads()[0]!.added, ['intakes/b']);
    assert.deepEqual(await names(), ['intakes/a:running', 'intakes/b:running']);

    // A bad config: logged, nothing stops.
    writeFileSync(join(dir, 'intakes', 'c'), '--port\nnot-a-port\nfile:///tmp/x.log\n');
    child.kill('SIGHUP');
    await until(() => logs.some((l) => String(l.msg).startsWith('reload refused')), 20_000, 'the refused reload');
    assert.match(JSON.stringify(logs.find((l) => String(l.msg).startsWith('reload refused'))), /intakes\/c: --port must be a whole number/);
    assert.deepEqual(await names(), ['intakes/a:running', 'intakes/b:running']);
    rmSync(join(dir, 'intakes', 'c'));

    // Removed + changed (a's recvFrom differs) in one reload.
    rmSync(join(dir, 'intakes', 'b'));
    writeFileSync(join(dir, 'intakes', 'a'), intakeFile(work, 'a', 'a-changed'));
    child.kill('SIGHUP');
    await until(() => reloads().length === 2, 20_000, 'the second reload');
    assert.deepEqual(reloads()[1]!.removed, ['intakes/b']);
    assert.deepEqual(reloads()[1]!.changed, ['intakes/a']);
    const after = await status();
    assert.deepEqual(after.roles.map((r) => `${r.kind}/${r.name}:${r.state}`), ['intakes/a:running']);
    assert.equal(after.roles[0]!.details?.recvFrom, 'a-changed');

    // Nothing changed: no role touched.
    child.kill('SIGHUP');
    await until(() => reloads().length === 3, 20_000, 'the third reload');
    assert.deepEqual([reloads()[2]!.added, reloads()[2]!.removed, reloads()[2]!.changed, reloads()[2]!.unchanged], [[], [], [], 1]);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr.join(''));
});
