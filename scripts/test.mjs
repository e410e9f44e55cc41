#!/usr/bin/env node
// The one test command. Layers run in order: unit, property and conformance (no services),
// integration (single real broker + MariaDB), chaos (stops real services; needs them, restores them).
// Usage: node scripts/test.mjs [unit] [property] [conformance] [integration] [chaos]   (default: all)
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const all = ['unit', 'property', 'conformance', 'integration', 'chaos'];
const layers = process.argv.slice(2).length ? process.argv.slice(2) : all;
const root = new URL('..', import.meta.url).pathname;

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return name.endsWith('.test.ts') ? [p] : [];
  }).sort();
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  return r.status ?? 1;
}

/** Runs a test layer, echoing its output as it comes and keeping it to read the runner's summary. */
function runTests(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'], cwd: root, env: { ...process.env, ...env } });
    let text = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      text += chunk.toString('utf8');
    });
    child.on('close', (code) => resolve({ status: code ?? 1, text }));
  });
}

// The Debian packages first: the Kafka client's native binding is built against them, and every
// layer (unit tests included) loads it. Then lint (it also guards the purity of src/domain), then
// build: the CLI tests run bin/eventlogging, which needs dist/.
if (run('bash', ['scripts/system-deps']) !== 0) process.exit(1);
if (run('bash', ['scripts/native-build']) !== 0) process.exit(1);
if (run('npx', ['eslint', '--no-error-on-unmatched-pattern', 'src', 'test', 'bench']) !== 0) process.exit(1);
if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) process.exit(1);
if (run('npx', ['tsc', '-p', 'tsconfig.build.json']) !== 0) process.exit(1);

const needsServices = layers.some((l) => l === 'integration' || l === 'chaos');
if (needsServices && !process.env.EL_SKIP_SERVICES) {
  if (run('bash', ['scripts/mariadb', 'up']) !== 0) process.exit(1);
  if (run('bash', ['scripts/kafka', 'up']) !== 0) process.exit(1);
}

let failed = 0;
const totals = { pass: 0, fail: 0, skipped: 0 };
for (const layer of layers) {
  const list = files(join(root, 'test', layer));
  if (list.length === 0) continue;
  console.log(`\n=== ${layer}: ${list.length} files ===`);
  // Integration and chaos tests share one broker and one database server: run files one at a time.
  const concurrency = layer === 'unit' || layer === 'property' ? '2' : '1';
  const { status, text } = await runTests([
    '--import', 'tsx', '--import', './scripts/test-sync-stdout.mjs', '--test', `--test-concurrency=${concurrency}`,
    // A file whose tests are done but left a handle open (a client a failing test never closed)
    // must not hold the run hostage; no single test may take longer than five minutes.
    '--test-force-exit', '--test-timeout=300000',
    '--test-reporter=spec', '--test-reporter-destination=stdout', ...list,
  ], { EL_TEST_LAYER: layer });
  if (status !== 0) failed += 1;
  for (const key of Object.keys(totals)) {
    const m = text.match(new RegExp(`^ℹ ${key} (\\d+)$`, 'm'));
    totals[key] += m ? Number(m[1]) : 0;
  }
}
// One closing line over every layer, so a reader (or CI) sees the whole count at once.
console.log(`\ntests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(failed || totals.fail ? 1 : 0);
