import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { parseIntakeArgs } from '../../../../src/config/parse-role-args.js';
import { createIntake, defaultSeqStatePath } from '../../../../src/roles/intake/intake-role.js';

test('stop: the HTTP server closes first, queued lines are sent, then the output closes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'el-intake-role-'));
  const log: string[] = [];
  let connected = false;
  const output = {
    connect: async () => {
      connected = true;
      log.push('connect');
    },
    connected: () => connected,
    sendLines: async (lines: readonly string[]) => void log.push(`send ${lines.length}`),
    close: async () => {
      connected = false;
      log.push('close');
    },
  };
  try {
    const config = parseIntakeArgs(['--port', '0', '--seq-state', join(dir, 's.seq'), 'stdout://']);
    const role = createIntake({ kind: 'intakes', name: 'u', file: 'f', config }, { logger: pino({ level: 'silent' }), registry: new Registry(), onFatal: () => {} }, { output, lingerMs: 60_000 });
    assert.equal(role.status().ready, false);
    await role.start();
    while (!role.status().ready) await new Promise((r) => setTimeout(r, 5));
    const base = `http://${role.address()}`;
    for (let i = 0; i < 3; i += 1) assert.equal((await fetch(`${base}/beacon/event?%7B%7D`)).status, 204);
    assert.deepEqual(log, ['connect'], 'the long linger holds the lines');
    assert.equal(role.status().details?.backlog, 3);
    await role.stop();
    assert.deepEqual(log, ['connect', 'send 3', 'close']);
    assert.equal(role.status().state, 'stopped');
    await assert.rejects(fetch(`${base}/beacon/event?%7B%7D`), 'no longer listening');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the default seq state file is per port', () => {
  assert.equal(defaultSeqStatePath({ port: 8080 }), join('.run', 'intake-8080.seq'));
});
