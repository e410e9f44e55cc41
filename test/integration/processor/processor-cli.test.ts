import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMAT } from '../../fixtures/processor/raw-lines.js';

const BIN = join(process.cwd(), 'bin', 'eventlogging');
const SAMPLE = readFileSync('test/fixtures/raw/sample.log', 'utf8');
const EXPECTED = JSON.parse(readFileSync('test/fixtures/raw/sample.expected.json', 'utf8')) as Array<{
  line: number; outcome: 'valid' | 'invalid' | 'error'; schema: string; errorCode?: string; uuid?: string;
}>;

before(() => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
});

function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: { ...process.env, LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

test('cat sample.log | processor FORMAT stdin:// stdout:// --output-invalid: one line per event, as expected', async () => {
  const { code, stdout, stderr } = await run(['processor', FORMAT, 'stdin://', 'stdout://', '--output-invalid', '--schemas-path', 'schemas'], SAMPLE);
  assert.equal(code, 0, stderr);
  const docs = stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(docs.length, EXPECTED.length);
  EXPECTED.forEach((e, i) => {
    const doc = docs[i];
    if (e.outcome === 'valid') {
      assert.equal(doc.schema, e.schema, `line ${e.line}`);
      assert.equal(doc.uuid, e.uuid, `line ${e.line}`);
    } else {
      assert.equal(doc.schema, 'EventError', `line ${e.line}`);
      assert.equal(doc.event.code, e.outcome === 'invalid' ? 'validation' : 'processor', `line ${e.line}`);
      if (e.errorCode) assert.equal(doc.event.errorCode, e.errorCode, `line ${e.line}`);
      assert.equal(doc.event.rawEvent, SAMPLE.split('\n')[e.line - 1], `line ${e.line}`);
    }
  });
  const validCount = EXPECTED.filter((e) => e.outcome === 'valid').length;
  assert.equal(docs.filter((d) => d.schema !== 'EventError').length, validCount);
});

test('without --output-invalid only valid capsules are written; uuids are the same on a second run', async () => {
  const args = ['processor', FORMAT, 'stdin://', 'stdout://', '--schemas-path', 'schemas'];
  const first = await run(args, SAMPLE);
  const second = await run(args, SAMPLE);
  assert.equal(first.code, 0, first.stderr);
  const uuids = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l).uuid as string);
  assert.deepEqual(uuids(first.stdout), EXPECTED.filter((e) => e.outcome === 'valid').map((e) => e.uuid));
  assert.deepEqual(uuids(second.stdout), uuids(first.stdout));
});

test('file:// input and outputs: valid capsules to one file, EventErrors to another, exit 0 at end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'el-proc-cli-'));
  writeFileSync(join(dir, 'in.log'), SAMPLE);
  const { code, stdout, stderr } = await run(['processor', '--sid', 'cli-test', FORMAT, `file://${dir}/in.log`, `file://${dir}/valid.jsonl`,
    '--output-invalid', `file://${dir}/errors.jsonl`, '--schemas-path', 'schemas']);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, '');
  const read = (name: string) => readFileSync(join(dir, name), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(read('valid.jsonl').length, EXPECTED.filter((e) => e.outcome === 'valid').length);
  const errors = read('errors.jsonl');
  assert.equal(errors.length, EXPECTED.filter((e) => e.outcome !== 'valid').length);
  assert.ok(errors.every((e) => e.schema === 'EventError' && e.recvFrom === 'cli-test'));
});

test('a bad FORMAT is a usage error (exit 2) with a message', async () => {
  const { code, stderr } = await run(['processor', '%{x}s no capsule', 'stdin://', 'stdout://', '--schemas-path', 'schemas']);
  assert.equal(code, 2);
  assert.match(stderr, /no capsule/);
});
