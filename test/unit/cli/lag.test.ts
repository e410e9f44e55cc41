import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lagCommand } from '../../../src/cli/commands/lag.js';
import { loadCommand } from '../../../src/cli/commands/index.js';
import { main } from '../../../src/cli/main.js';
import { runInProcess } from '../../helpers/cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the command with fake streams; resolves to the exit code and everything written. */
async function run(args: string[], stdinText = '', viaMain = false): Promise<{ code: number; out: string; err: string }> {
  return runInProcess(viaMain ? (a, io) => main(['lag', ...a], io) : (a, io) => lagCommand.run(a, io), args, { stdin: stdinText, env: {} });
}

// The runbook's alert: eventlogging-client-side:11, idle longer than the 991345 ms window span.
const runbook = {
  topic: 'eventlogging-client-side',
  partition: 11,
  window: [
    { offset: 188196575, timestamp: 1455812030875, lag: 0 },
    { offset: 188205237, timestamp: 1455813022220, lag: 0 },
  ],
  currentLag: 8662,
  brokerOffsets: [188213899, 188210000],
  now: 1455814100000,
};

describe('eventlogging lag explain (in process)', () => {
  it('is the registered lag command', async () => {
    assert.equal(await loadCommand('lag'), lagCommand);
  });

  it('--json prints exactly status and rule, exit 0 even for STOP', async () => {
    const r = await run(['explain', '--json'], JSON.stringify(runbook));
    assert.equal(r.code, 0);
    assert.equal(r.out, '{"status":"STOP","rule":"rule4-stopped"}\n');
    assert.deepEqual(Object.keys(JSON.parse(r.out)), ['status', 'rule']);
    assert.equal(r.err, '');
  });

  it('reads a FILE and - for stdin alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-lag-'));
    const file = join(dir, 'window.json');
    const caughtUp = { ...runbook, brokerOffsets: [188205300, 188205237] };
    writeFileSync(file, JSON.stringify(caughtUp));
    const fromFile = await run(['explain', '--json', file]);
    const fromStdin = await run(['explain', '--json', '-'], JSON.stringify(caughtUp));
    assert.equal(fromFile.out, '{"status":"OK","rule":"caught-up-recently"}\n');
    assert.equal(fromStdin.out, fromFile.out);
  });

  it('without --json explains in Burrow\'s alert format with the deciding rule', async () => {
    const r = await run(['explain'], JSON.stringify(runbook));
    assert.equal(r.code, 0);
    assert.match(r.out, /^status: +STOP$/m);
    assert.match(r.out, /^rule: +rule4-stopped$/m);
    assert.match(r.out, /eventlogging-client-side:11 \(1455812030875, 188196575, 0\) -> \(1455813022220, 188205237, 0\)/);
    assert.match(r.out, /991345 ms the window spans/);
    assert.match(r.out, /^current lag: 8662$/m);
  });

  it('WARN and STALL verdicts also exit 0', async () => {
    const T = 1_600_000_000_000;
    const window = [1, 2, 3].map((i) => ({ offset: 10, timestamp: T + i * 60_000, lag: i }));
    const r = await run(['explain', '--json'], JSON.stringify({ window, currentLag: 3, now: T + 200_000 }));
    assert.deepEqual([r.code, r.out], [0, '{"status":"STALL","rule":"stalled"}\n']);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{"window": [', /input is not JSON/],
    ['not an object', '[1,2]', /must be a JSON object/],
    ['missing window', '{"currentLag": 1, "now": 1}', /missing field "window"/],
    ['a null after a commit', '{"window": [{"offset": 1, "timestamp": 1, "lag": 0}, null], "currentLag": 1, "now": 1}', /"window\[1\]" is null after a commit/],
    ['order on some entries only', '{"offsets": [{"offset": 1, "timestamp": 1, "lag": 0, "order": 1}, {"offset": 2, "timestamp": 2, "lag": 0}], "current-lag": 1, "now": 1}', /"order" on every entry or on none/],
    ['two spellings of one field', '{"window": [], "currentLag": 1, "current-lag": 1, "now": 1}', /give one of "currentLag", "current-lag"/],
    ['missing currentLag', '{"window": [], "now": 1}', /missing field "currentLag"/],
    ['window entry field missing', '{"window": [{"offset": 1, "lag": 0}], "currentLag": 1, "now": 1}', /missing field "window\[0\]\.timestamp"/],
    ['wrong type', '{"window": [{"offset": "1", "timestamp": 1, "lag": 0}], "currentLag": 1, "now": 1}', /"window\[0\]\.offset" must be a non-negative integer, got "1"/],
    ['negative lag', '{"window": [], "currentLag": -1, "now": 1}', /"currentLag" must be a non-negative integer/],
    ['brokerOffsets type', '{"window": [], "currentLag": 1, "now": 1, "brokerOffsets": 5}', /"brokerOffsets" must be an array/],
    ['brokerOffsets entry', '{"window": [], "currentLag": 1, "now": 1, "brokerOffsets": [1, "x"]}', /"brokerOffsets\[1\]"/],
    ['allowedLag type', '{"window": [], "currentLag": 1, "now": 1, "allowedLag": true}', /"allowedLag"/],
    ['unknown field', '{"window": [], "currentLag": 1, "now": 1, "brokerOffset": []}', /unknown field "brokerOffset"/],
  ];
  for (const [name, input, message] of bad) {
    it(`bad input (${name}) → exit 2 naming the problem`, async () => {
      const r = await run(['explain', '--json'], input);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.match(r.err, message);
    });
  }

  it('usage errors exit 2', async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run(['explian'])).code, 2);
    assert.equal((await run(['explain', '--jsn'], '{}')).code, 2);
    assert.equal((await run(['explain', 'a', 'b'])).code, 2);
    const missing = await run(['explain', '/nonexistent/window.json']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot read/);
  });

  it('--help documents the input and that the exit status does not depend on the verdict', async () => {
    const r = await run(['explain', '--help'], '', true);
    assert.equal(r.code, 0);
    assert.match(r.out, /eventlogging lag explain \[--json\] \[FILE\|-\]/);
    assert.match(r.out, /Exit status: 0 whatever the verdict/);
    assert.match(r.out, /brokerOffsets/);
  });
});

describe('bin/eventlogging lag explain (built)', () => {
  before(() => {
    // Other areas may be mid-edit and fail the type check; tsc still emits, so only the output matters here.
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
    assert.ok(existsSync(join(root, 'dist/cli/commands/lag.js')), 'npx tsc -p tsconfig.build.json did not produce dist/cli/commands/lag.js');
  });

  it('prints the JSON verdict and exits 0', () => {
    const r = spawnSync(join(root, 'bin/eventlogging'), ['lag', 'explain', '--json'], { cwd: root, input: JSON.stringify(runbook), encoding: 'utf8' });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '{"status":"STOP","rule":"rule4-stopped"}\n');
  });

  it('exits 2 on bad input', () => {
    const r = spawnSync(join(root, 'bin/eventlogging'), ['lag', 'explain', '-'], { cwd: root, input: '{"window": 3}', encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /"window" must be an array/);
  });
});
