import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { diffRoleSpecs, startDaemon } from '../../../src/daemon/daemon.js';
import type { Role, RoleFactory } from '../../../src/daemon/role.js';
import type { RoleSpec } from '../../../src/domain/config/role-config.js';
import { createRegistry } from '../../../src/observability/metrics.js';

const spec = (kind: RoleSpec['kind'], name: string, port = 1): RoleSpec => ({
  kind, name, file: `/etc/eventlogging.d/${kind}/${name}`,
  config: { kind: 'intake', host: '127.0.0.1', port, output: { kind: 'stdout' }, maxQueryLength: 8192, recvFrom: 'h' },
});

test('diffRoleSpecs: added, removed, changed (parsed config differs) and unchanged', () => {
  const d = diffRoleSpecs([spec('intakes', 'a'), spec('intakes', 'b'), spec('consumers', 'c')], [spec('intakes', 'a'), spec('intakes', 'b', 2), spec('processors', 'p')]);
  assert.deepEqual(d, { added: ['processors/p'], removed: ['consumers/c'], changed: ['intakes/b'], unchanged: ['intakes/a'] });
});

function fakes(log: string[], failing = new Set<string>()): RoleFactory {
  return (s) => {
    const key = `${s.kind}/${s.name}@${(s.config as { port: number }).port}`;
    if (failing.has(`build:${s.name}`)) throw new Error(`cannot build ${s.name}`);
    let state = 'new';
    const role: Role = {
      spec: s,
      start: async () => {
        if (failing.has(`start:${s.name}`)) throw new Error(`cannot start ${s.name}`);
        if (s.name.startsWith('slow')) await new Promise((r) => setTimeout(r, 150));
        state = 'running';
        log.push(`start ${key}`);
      },
      stop: async () => {
        await new Promise((r) => setTimeout(r, 20));
        state = 'stopped';
        log.push(`stop ${key}`);
      },
      status: () => ({ kind: s.kind, name: s.name, state, healthy: true, ready: true }),
    };
    return role;
  };
}

async function daemonWith(specs: RoleSpec[], log: string[], failing?: Set<string>) {
  const factory = fakes(log, failing);
  const daemon = await startDaemon({
    specs, factories: { intakes: factory, processors: factory, consumers: factory },
    logger: pino({ level: 'silent' }), registry: createRegistry({ processMetrics: false }), admin: { host: '127.0.0.1', port: 0 },
  });
  const running = () => (daemon.status() as { roles: Array<{ kind: string; name: string; state: string }> }).roles.map((r) => `${r.kind}/${r.name}:${r.state}`);
  for (let i = 0; i < 50 && !running().every((r) => r.endsWith(':running')); i += 1) await new Promise((r) => setTimeout(r, 10));
  return { daemon, running };
}

test('reload restarts only what changed, stops removed roles before starting new ones, and keeps start order', async () => {
  const log: string[] = [];
  const { daemon, running } = await daemonWith([spec('intakes', 'a'), spec('consumers', 'c')], log);
  assert.deepEqual(running(), ['consumers/c:running', 'intakes/a:running']);
  log.length = 0;
  const result = await daemon.reload([spec('intakes', 'a', 9), spec('processors', 'p'), spec('intakes', 'n')]);
  assert.deepEqual([result.added, result.removed, result.changed], [['processors/p', 'intakes/n'], ['consumers/c'], ['intakes/a']]);
  assert.deepEqual(log.slice(0, 3), ['stop intakes/a@1', 'stop consumers/c@1', 'start processors/p@1']);
  assert.deepEqual(log.slice(3).sort(), ['start intakes/a@9', 'start intakes/n@1']);
  assert.deepEqual(running().sort(), ['intakes/a:running', 'intakes/n:running', 'processors/p:running']);
  assert.equal(running()[0], 'processors/p:running', 'status lists roles in start order');
  daemon.stop('test');
  assert.equal((await daemon.done).exitCode, 0);
  await assert.rejects(daemon.reload([]), /cannot reload/);
});

test('a role that cannot be built leaves every running role untouched; one that cannot start is left out', async () => {
  const log: string[] = [];
  const failing = new Set<string>();
  const { daemon, running } = await daemonWith([spec('intakes', 'a')], log, failing);
  failing.add('build:bad');
  await assert.rejects(daemon.reload([spec('intakes', 'bad')]), /cannot build bad/);
  assert.deepEqual(running(), ['intakes/a:running'], 'a is not stopped when the new config cannot be built');
  failing.add('start:late');
  const r = await daemon.reload([spec('intakes', 'a'), spec('intakes', 'late')]);
  assert.deepEqual(r.failed, ['intakes/late']);
  assert.deepEqual(running(), ['intakes/a:running']);
  daemon.stop('test');
  await daemon.done;
});

test('stopping during a reload waits for it, so no role started by the reload outlives the daemon', async () => {
  const log: string[] = [];
  const { daemon } = await daemonWith([spec('intakes', 'a')], log);
  const reload = daemon.reload([spec('intakes', 'a'), spec('intakes', 'slow')]);
  await new Promise((r) => setTimeout(r, 30)); // the reload is now inside slow's start()
  daemon.stop('test');
  await reload;
  await daemon.done;
  assert.ok(log.includes('start intakes/slow@1'), log.join(', '));
  assert.ok(log.indexOf('stop intakes/slow@1') > log.indexOf('start intakes/slow@1'), log.join(', '));
  assert.ok(log.includes('stop intakes/a@1'));
});
