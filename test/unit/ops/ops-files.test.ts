import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';

const root = new URL('../../..', import.meta.url).pathname;
const ops = join(root, 'ops');

/** Every metric name some component of src/ registers (`name: 'eventlogging_...'`), plus prom-client's process metrics. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>(['eventlogging_process_resident_memory_bytes', 'up']);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/name: '(eventlogging_[a-z_]+)'/g)) names.add(m[1]!);
    }
  };
  walk(join(root, 'src'));
  return names;
}

/** Metric names used in a PromQL expression (histogram series map back to their metric). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(eventlogging_[a-z_]+|up)\b(?=\s*[{[)\s]|$)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

function promtool(args: string[], cwd = ops): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('promtool accepts the alerting rules', () => {
  const r = promtool(['check', 'rules', 'prometheus/alerts.yml']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /SUCCESS: \d+ rules found/);
});

test('promtool rule tests pass: the insert-rate alert fires on synthetic series (and stays quiet when it should)', () => {
  const r = promtool(['test', 'rules', 'alerts.test.yml'], join(ops, 'prometheus'));
  assert.equal(r.status, 0, r.out);
  const tests = yaml.load(readFileSync(join(ops, 'prometheus', 'alerts.test.yml'), 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
  const firing = tests.tests.flatMap((t) => t.alert_rule_test).filter((a) => a.alertname === 'EventLoggingMysqlInsertRateZero' && a.exp_alerts.length > 0);
  assert.ok(firing.length >= 1, 'a test expects the insert-rate alert to fire');
});

test('a broken rule test is reported as a failure (the rule tests can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-rules-'));
  writeFileSync(join(dir, 'alerts.yml'), readFileSync(join(ops, 'prometheus', 'alerts.yml')));
  writeFileSync(join(dir, 't.yml'), [
    'rule_files: [alerts.yml]', 'evaluation_interval: 1m', 'tests:', '  - interval: 1m', '    input_series:',
    "      - series: 'eventlogging_mysql_rows_inserted_total{table=\"A_1\"}'", "        values: '0+60x60'",
    "      - series: 'eventlogging_processor_events_total{outcome=\"valid\"}'", "        values: '0+60x60'",
    '    alert_rule_test:', '      - eval_time: 40m', '        alertname: EventLoggingMysqlInsertRateZero',
    '        exp_alerts: [{exp_labels: {severity: critical}}]', '',
  ].join('\n'));
  const r = promtool(['test', 'rules', 't.yml'], dir);
  assert.notEqual(r.status, 0, 'inserts continue: the alert must not fire');
});

test('alert rules only use metrics the daemon exports', () => {
  const known = registeredMetrics();
  const doc = yaml.load(readFileSync(join(ops, 'prometheus', 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  for (const rule of doc.groups.flatMap((g) => g.rules)) {
    const used = metricsIn(rule.expr);
    assert.ok(used.length > 0, rule.alert);
    for (const name of used) assert.ok(known.has(name), `${rule.alert}: ${name} is not a metric of src/`);
  }
  const names = doc.groups.flatMap((g) => g.rules.map((r) => r.alert));
  for (const required of ['EventLoggingMysqlInsertRateZero', 'EventLoggingValidRatioLow', 'EventLoggingConsumerGroupError', 'EventLoggingDatabaseDown', 'EventLoggingBackpressure']) {
    assert.ok(names.includes(required), required);
  }
});

test('the Grafana dashboard is valid JSON whose every query is valid PromQL over exported metrics', () => {
  const dash = JSON.parse(readFileSync(join(ops, 'grafana', 'eventlogging.json'), 'utf8')) as {
    uid: string; panels: Array<{ id: number; type: string; title: string; targets?: Array<{ expr: string }> }>;
  };
  assert.equal(dash.uid, 'eventlogging');
  const ids = dash.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const known = registeredMetrics();
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
  assert.ok(exprs.length >= 15);
  for (const { title, expr } of exprs) {
    for (const name of metricsIn(expr)) assert.ok(known.has(name), `${title}: ${name} is not a metric of src/`);
  }
  for (const wanted of ['eventlogging_mysql_rows_inserted_total', 'eventlogging_mysql_rows_duplicate_total', 'eventlogging_lag_messages',
    'eventlogging_lag_group_status_code', 'eventlogging_database_state_info', 'eventlogging_partition_paused_ratio',
    'eventlogging_processor_errors_total', 'eventlogging_consumer_restarts_total']) {
    assert.ok(exprs.some((e) => metricsIn(e.expr).includes(wanted)), `a panel shows ${wanted}`);
  }
  // PromQL syntax: let promtool parse every query as a recording rule (Grafana variables filled in).
  const rules = { groups: [{ name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:panel_${i}`, expr: e.expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*') })) }] };
  const dir = mkdtempSync(join(tmpdir(), 'el-dash-'));
  writeFileSync(join(dir, 'rules.yml'), yaml.dump(rules));
  const r = promtool(['check', 'rules', 'rules.yml'], dir);
  assert.equal(r.status, 0, r.out);
});

test('the systemd unit runs the daemon on the config dir, reloads with SIGHUP and drains on SIGTERM', () => {
  const unit = readFileSync(join(ops, 'systemd', 'eventlogging.service'), 'utf8');
  const line = (key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
  assert.match(line('ExecStart') ?? '', /eventlogging run --config-dir \/etc\/eventlogging\.d/);
  assert.equal(line('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(line('KillSignal'), 'SIGTERM');
  assert.equal(line('Restart'), 'on-failure');
  assert.ok(Number(line('TimeoutStopSec')) >= 300, 'drains get at least the default batch_time (300 s)');
  const verify = spawnSync('systemd-analyze', ['verify', join(ops, 'systemd', 'eventlogging.service')], { encoding: 'utf8' });
  // The binary is not installed here; any other complaint is a mistake in the unit.
  if (verify.error) return; // no systemd-analyze on this machine: the checks above still ran
  const complaints = `${verify.stderr}`.split('\n').filter((l) => l.trim() && !/is not executable|No such file/.test(l));
  assert.deepEqual(complaints, []);
});
