import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROKERS, freshTopic, uniqueName } from '../../helpers/kafka.js';
import { startCliDaemon } from '../../helpers/daemon.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/eventlogging');

before(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  assert.equal(r.status, 0, 'build');
});

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'el-config-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('a config mistake stops the daemon at start, naming the file and the argument', () => {
  const dir = configDir({
    'consumers/mysql-00': `kafka:///${BROKERS[0]}?topics=eventlogging-valid-mixed&identity=g\nmysql://root:@127.0.0.1:3306/test?batch_size=abc\n--schemas-path\nschemas\n`,
    'processors/client-side-00': `--schemas-path\nschemas\n%q %{recvFrom}s\nkafka:///${BROKERS[0]}?topics=eventlogging-client-side&identity=p\n`,
  });
  const r = spawnSync(bin, ['run', '--config-dir', dir, '--admin', '127.0.0.1:0'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /consumers\/mysql-00: .*batch_size must be a positive integer, got 'abc'/);
  assert.match(r.stderr, /processors\/client-side-00: expected FORMAT INPUT OUTPUT/);
});

test('with a good config the daemon serves /metrics that promtool accepts, /healthz, /readyz, /status, and drains on SIGTERM', async () => {
  const topic = await freshTopic('el-daemon-valid', 1);
  const dir = configDir({
    'consumers/mysql-00': [
      `kafka:///${BROKERS.join(',')}?topics=${topic}&identity=${uniqueName('el-daemon')}`,
      'mysql://root:@127.0.0.1:3306/test?batch_size=100&batch_time=1',
      '--schemas-path', join(root, 'schemas'),
    ].join('\n'),
  });
  const daemon = await startCliDaemon(dir);
  let exitCode: number | null | undefined;
  try {
    const base = `http://${daemon.admin}`;
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const status = await (await fetch(`${base}/status`)).json() as { roles: Array<{ kind: string; name: string; state: string }> };
    assert.deepEqual(status.roles.map((r) => [r.kind, r.name, r.state]), [['consumers', 'mysql-00', 'running']]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /eventlogging_process_resident_memory_bytes/);
    assert.match(metrics, /eventlogging_consumer_state_info\{role="consumers\/mysql-00",state="running"\} 1/);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    assert.equal(lint.status, 0, `promtool: ${lint.stdout}${lint.stderr}`);
    // The operator's view of the same daemon: `eventlogging status` exits 0 while all is healthy.
    const st = spawnSync(bin, ['status', '--admin', base], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(st.status, 0, st.stdout + st.stderr);
    assert.match(st.stdout, /consumers\/mysql-00\s+running\s+yes\s+yes/);
  } finally {
    exitCode = await daemon.stop();
  }
  assert.equal(exitCode, 0, daemon.stderr.join(''));
});
