// The Grafana dashboard (ops/grafana/eventlogging.json) against a real daemon: the file loads as a
// dashboard, every query parses as PromQL (promtool, the Prometheus project's own parser), and
// every metric a query names, with every label it groups by, is one a daemon running all three
// role kinds exports on /metrics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROKERS, freshTopic, uniqueName } from '../../helpers/kafka.js';
import { freshSchemaDir } from '../../helpers/capsules.js';
import { openDb } from '../../helpers/mariadb.js';
import { until } from '../../helpers/wait.js';
import { buildCli, configDir, intakeAddress, pipelineConfig, startCliDaemon, type RunningDaemon } from '../../helpers/daemon.js';

const root = new URL('../../..', import.meta.url).pathname;

interface Target { readonly expr?: string; readonly refId?: string }
interface Panel {
  readonly id: number; readonly type: string; readonly title: string;
  readonly gridPos: { x: number; y: number; w: number; h: number };
  readonly datasource?: { uid?: string };
  readonly targets?: readonly Target[];
}
interface Dashboard {
  readonly uid: string; readonly title: string; readonly schemaVersion: number;
  readonly templating: { list: Array<{ name: string; type: string; query?: unknown }> };
  readonly panels: readonly Panel[];
}

const dashboard = JSON.parse(readFileSync(join(root, 'ops/grafana/eventlogging.json'), 'utf8')) as Dashboard;
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })));
const variableQueries = dashboard.templating.list.flatMap((v) => {
  const q = v.query as { query?: string } | string | undefined;
  return typeof q === 'object' && q?.query ? [q.query] : [];
});

/** Grafana's variables replaced by what Prometheus would receive. */
const asPromql = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replace(/\$\{?(\w+)\}?/g, '.*');

let daemon: RunningDaemon | undefined;
before(() => buildCli());
after(async () => {
  await daemon?.stop();
});

test('the dashboard loads: a uid, a title, panels with a place, a type and queries on the datasource variable', () => {
  assert.ok(dashboard.uid && dashboard.title && dashboard.schemaVersion > 0);
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'), 'a datasource variable');
  assert.ok(dashboard.panels.length > 0);
  const ids = new Set<number>();
  for (const p of dashboard.panels) {
    assert.ok(!ids.has(p.id), `panel id ${p.id} is unique`);
    ids.add(p.id);
    assert.ok(p.type && p.title, `panel ${p.id} has a type and a title`);
    for (const k of ['x', 'y', 'w', 'h'] as const) assert.equal(typeof p.gridPos?.[k], 'number', `panel '${p.title}' gridPos.${k}`);
    // A row only groups the panels below it.
    if (p.type === 'row') continue;
    assert.ok((p.targets ?? []).length > 0 && p.targets!.every((t) => (t.expr ?? '').length > 0), `panel '${p.title}' has queries`);
    assert.equal(p.datasource?.uid, '${datasource}', `panel '${p.title}' queries the dashboard's datasource`);
  }
});

test('every query parses as PromQL (promtool check rules)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-grafana-'));
  const file = join(dir, 'dashboard-queries.yml');
  const rules = queries.map((q, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(asPromql(q.expr))}`);
  writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
});

test('every metric and grouping label the dashboard queries is exported by a daemon running every role kind', { timeout: 180_000 }, async (t) => {
  const raw = await freshTopic('el-grafana-raw', 1);
  const mixed = await freshTopic('el-grafana-mixed', 1);
  const errors = await freshTopic('el-grafana-errors', 1);
  const { dir: schemas, schema } = freshSchemaDir('Grafana');
  daemon = await startCliDaemon(configDir(pipelineConfig({
    brokers: BROKERS.join(','), raw, mixed, errors, schemas,
    seqFile: join(mkdtempSync(join(tmpdir(), 'el-grafana-seq-')), 'seq'),
    processorGroup: uniqueName('el-grafana-processor'), consumerGroup: uniqueName('el-grafana-consumer'),
    mysql: 'mysql://root:@127.0.0.1:3306/test?batch_size=10&batch_time=0.2',
  })));
  const intake = await intakeAddress(daemon.admin);
  // Valid and invalid events, so that labelled series exist (a labelled counter shows no sample
  // until it is first counted).
  for (let i = 0; i < 20; i++) {
    const event = i % 4 === 3 ? { value: i } : { value: `g-${i}` };
    const q = encodeURIComponent(JSON.stringify({ schema, revision: 1, event, wiki: 'testwiki', webHost: 'test.example.org' }));
    assert.equal((await fetch(`http://${intake}/beacon/event?${q};`)).status, 204);
  }
  const db = await openDb();
  try {
    await until(async () => {
      const [rows] = await db.query(`SELECT COUNT(*) AS n FROM \`${schema}_1\``);
      return Number((rows as Array<{ n: number }>)[0]?.n) === 15;
    }, 60_000, 'the 15 valid events as rows');
  } finally {
    await db.end();
  }
  // The lag monitor exports its verdicts once it has evaluated the groups.
  let text = '';
  await until(async () => /^eventlogging_lag_partition_status_code\{/m.test(text = await (await fetch(`http://${daemon!.admin}/metrics`)).text()), 30_000, 'lag verdicts on /metrics');

  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  /** Label names seen on each metric's samples (histogram series under their base name). */
  const labels = new Map<string, Set<string>>();
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /gm)) {
    const base = m[1]!.replace(/_(bucket|sum|count)$/, (s) => (types.get(m[1]!.slice(0, -s.length)) === 'histogram' ? '' : s));
    const set = labels.get(base) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/(\w+)="/g)) set.add(l[1]!);
    labels.set(base, set);
  }
  const missing: string[] = [];
  const unsampled = new Set<string>();
  for (const { panel, expr } of [...queries, ...variableQueries.map((expr) => ({ panel: 'variable', expr }))]) {
    const names = [...expr.matchAll(/\beventlogging_\w+/g)].map((m) => m[0]);
    assert.ok(names.length > 0, `panel '${panel}' names an eventlogging metric: ${expr}`);
    for (const name of names) {
      const base = name.replace(/_(bucket|sum|count)$/, (s) => (types.get(name.slice(0, -s.length)) === 'histogram' ? '' : s));
      if (!types.has(base)) {
        missing.push(`${panel}: ${name}`);
        continue;
      }
      // Labels the query groups by must be labels of the metric (Prometheus adds instance and job).
      // A labelled metric nothing has counted yet (outages, restarts) shows no sample to check.
      if (!labels.has(base)) {
        unsampled.add(base);
        continue;
      }
      for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const label of by[1]!.split(',').map((l) => l.trim()).filter((l) => !['instance', 'job', 'le'].includes(l))) {
          if (!labels.get(base)?.has(label)) missing.push(`${panel}: ${base} has no label '${label}' (${[...(labels.get(base) ?? [])].join(', ')})`);
        }
      }
    }
  }
  assert.deepEqual(missing, [], 'metrics or labels the dashboard queries but the daemon does not export');
  t.diagnostic(`${queries.length} queries checked; labels not checked (no sample yet): ${[...unsampled].sort().join(', ') || 'none'}`);
});
