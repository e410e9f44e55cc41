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
      // As the original: an event its schema refuses is `validation`; one whose schema cannot be had, `processor`.
      assert.equal(doc.event.code, e.outcome === 'invalid' && e.errorCode !== 'EL_SCHEMA_NOT_FOUND' ? 'validation' : 'processor', `line ${e.line}`);
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

test('a file mixing every hostile line with ordinary ones: exit 0, exactly one output per line, in under 10 s', { timeout: 60_000 }, async (t) => {
  const q = (capsule: string) => `?${encodeURIComponent(capsule)};`;
  const tail = (seq: number) => `\tcp1.example.org\t${seq}\t2024-01-01T00:00:00\t10.0.0.1\tMozilla/5.0`;
  const ordinary = (seq: number) => Buffer.from(`${q(JSON.stringify({ schema: 'Test', revision: 1, wiki: 'w', event: { value: `ok-${seq}` } }))}${tail(seq)}`);
  const hostile: Buffer[] = [
    // Nesting that overflowed JSON.stringify in the route stage, in the user agent and in the event.
    Buffer.from(`${q(`{"schema":"Test","revision":1,"wiki":"w","userAgent":${'{"a":'.repeat(4150)}1${'}'.repeat(4150)},"event":{}}`)}${tail(1001)}`),
    Buffer.from(`${q(`{"schema":"Test","revision":1,"wiki":"w","event":{"free":${'['.repeat(5000)}${']'.repeat(5000)}}}`)}${tail(1002)}`),
    // 50,000 keys, and 37,657 unknown properties.
    Buffer.from(`${q(JSON.stringify({ schema: 'Test', revision: 1, wiki: 'w', event: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i])) }))}${tail(1003)}`),
    // A client choosing its uuid (recvFrom, seqId, dt), its ip, topic and a parsed user agent.
    Buffer.from(`${q(JSON.stringify({ schema: 'Test', revision: 1, wiki: 'w', event: {}, recvFrom: 'x', seqId: 1, dt: '2020-01-01T00:00:00Z', ip: '6.6.6.6', topic: 't', userAgent: { is_bot: false } }))}${tail(1004)}`),
    Buffer.from(`${q(JSON.stringify({ schema: 'Test', revision: 1, wiki: 'w', event: { value: 'a' }, recvFrom: 'x', seqId: 1, dt: '2020-01-01T00:00:00Z' }))}${tail(1005)}`),
    Buffer.from(`${q(JSON.stringify({ schema: 'Test', revision: 1, wiki: 'w', event: { value: 'b' }, recvFrom: 'x', seqId: 1, dt: '2020-01-01T00:00:00Z' }))}${tail(1006)}`),
    // 1e999, __proto__.
    Buffer.from(`${q('{"schema":"Test","revision":1,"wiki":"w","event":{"value":"v","n":1e999}}')}${tail(1007)}`),
    Buffer.from(`${q('{"schema":"Test","revision":1,"wiki":"w","event":{"free":{"__proto__":{"x":1}}}}')}${tail(1008)}`),
    // Lines that made the former line regex backtrack quadratically.
    Buffer.from(`${q('{"schema":"Test","revision":1,"wiki":"w","event":{}}')}\tcp1\t1\t2024-01-01T00:00:00${'\t '.repeat(40_000)}\t`),
    Buffer.from(`${'\r'.repeat(60_000)}\t`),
    // Bytes that are not UTF-8, and a line over the size limit.
    Buffer.concat([Buffer.from(q('{"schema":"Test","revision":1,"wiki":"w","event":{"value":"')), Buffer.from([0xc3, 0x28]), Buffer.from(`"}}${tail(1011)}`)]),
    Buffer.from(`${q(JSON.stringify({ schema: 'Test', revision: 1, wiki: 'w', event: { value: 'x'.repeat(200_000) } }))}${tail(1012)}`),
  ];
  const lines: Buffer[] = [];
  hostile.forEach((h, i) => lines.push(ordinary(i * 2), h, ordinary(i * 2 + 1)));
  const dir = mkdtempSync(join(tmpdir(), 'el-hostile-'));
  const file = join(dir, 'hostile.log');
  writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
  const started = Date.now();
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(BIN, ['processor', FORMAT, `file://${file}`, 'stdout://', '--output-invalid', '--schemas-path', 'schemas'], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    // The bound of the issue this test comes from: a line must not take seconds.
    const limit = setTimeout(() => child.kill('SIGKILL'), 10_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const elapsed = Date.now() - started;
  assert.equal(result.signal, null, `killed after 10 s: ${result.stderr.slice(0, 2000)}`);
  assert.equal(result.code, 0, result.stderr.slice(0, 2000));
  const docs = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { schema: string; uuid: string; event: Record<string, unknown> });
  assert.equal(docs.length, lines.length, 'one output per input line');
  docs.forEach((d, i) => {
    if (i % 3 !== 1) assert.equal(d.event.value, `ok-${Math.floor(i / 3) * 2 + (i % 3 === 2 ? 1 : 0)}`, `ordinary line ${i + 1}`);
  });
  const out = (n: number) => docs[n * 3 + 1]!;
  for (const n of [0, 1, 2, 6, 7]) assert.equal(out(n).event.errorCode, 'EL_INPUT_LIMIT', `hostile line ${n}`);
  assert.equal(out(3).event.errorCode, 'EL_DECODE_FAILED', 'a parsed user agent from the client is refused');
  assert.notEqual(out(4).uuid, out(5).uuid, 'two events with the same forged identity keep their own uuids');
  assert.equal(out(8).event.errorCode, 'EL_PARSE_FAILED');
  assert.equal(out(9).event.errorCode, 'EL_PARSE_FAILED');
  assert.equal(out(10).event.errorCode, 'EL_DECODE_FAILED', 'bad UTF-8 is refused, never replaced');
  assert.equal(out(11).event.errorCode, 'EL_INPUT_LIMIT');
  t.diagnostic(`${lines.length} lines (${hostile.length} hostile) in ${elapsed} ms`);
});
