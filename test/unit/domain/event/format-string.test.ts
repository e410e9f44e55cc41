import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ElError } from '../../../../src/domain/errors.js';
import { compileFormat, type ParseFailure, type ParseResult } from '../../../../src/domain/event/format-string.js';
import { encodeQson } from '../../../../src/domain/event/qson.js';
import { createUserAgentParser, type UaRegexResult } from '../../../../src/domain/event/user-agent.js';

const PRODUCTION = '%q %{recvFrom}s %{seqId}d %D %{ip}i %u';
/** A stand-in for uap-core: browser family = the first `/`-separated word. */
const fakeUap = (ua: string): UaRegexResult => ({
  ua: { family: ua.split('/')[0] ?? 'Other', major: null, minor: null },
  os: { family: 'Other', major: null, minor: null },
  device: { family: /bot/i.test(ua) ? 'Spider' : 'Other' },
});
const userAgent = createUserAgentParser(fakeUap);
const parseLine = compileFormat(PRODUCTION, { userAgent });

const TEST_LINE =
  '?%7B%22event%22%3A%7B%7D%2C%22schema%22%3A%22Test%22%2C%22revision%22%3A1%2C%22webHost%22%3A%22en.wikipedia.org%22%2C%22wiki%22%3A%22enwiki%22%7D;' +
  '\tcp1066.eqiad.wmnet\t42402900\t2016-09-26T07:01:42\t127.0.0.1\tMozilla/5.0 (X11; Linux x86_64) Firefox/115.0';

function failure(r: ParseResult): ParseFailure {
  assert.equal(r.ok, false, 'expected a failure');
  return r as ParseFailure;
}
function fields(r: ParseResult): Record<string, unknown> {
  if (!r.ok) assert.fail(`expected success, got ${r.code}: ${r.message}`);
  return r.fields as Record<string, unknown>;
}

describe('compileFormat, production format', () => {
  it('parses a production tab-separated line', () => {
    const f = fields(parseLine(TEST_LINE));
    assert.deepEqual(f.event, {});
    assert.equal(f.schema, 'Test');
    assert.equal(f.revision, 1);
    assert.equal(f.wiki, 'enwiki');
    assert.equal(f.webHost, 'en.wikipedia.org');
    assert.equal(f.recvFrom, 'cp1066.eqiad.wmnet');
    assert.equal(f.seqId, 42402900);
    assert.equal(f.dt, '2016-09-26T07:01:42Z');
    assert.equal(f.ip, '127.0.0.1');
    assert.equal((f.userAgent as { browser_family: string }).browser_family, 'Mozilla');
  });

  it('ignores a trailing line terminator', () => {
    assert.equal(fields(parseLine(`${TEST_LINE}\r\n`)).userAgent !== null, true);
    assert.equal((fields(parseLine(`${TEST_LINE}\n`)).userAgent as { browser_family: string }).browser_family, 'Mozilla');
  });

  it('reads a - user agent as absent and keeps a - ip as written', () => {
    const f = fields(parseLine(TEST_LINE.replace(/\t127\.0\.0\.1\t.*$/, '\t-\t-')));
    assert.equal(f.userAgent, null);
    assert.equal(f.ip, '-');
  });

  it('lets the line\'s identity fields win over the capsule\'s, so a client cannot choose its uuid', () => {
    const capsule = {
      event: { a: 1 }, schema: 'Test', revision: 1,
      recvFrom: 'from.capsule', seqId: 7, dt: '2013-01-19T23:16:38', ip: '6.6.6.6', uuid: 'f'.repeat(32), topic: 'chosen',
    };
    const line = `${encodeQson(capsule)}\tfrom.line\t99\t2016-09-26T07:01:42\t10.0.0.1\tLine/2.0`;
    const f = fields(parseLine(line));
    assert.equal(f.recvFrom, 'from.line');
    assert.equal(f.seqId, 99);
    assert.equal(f.dt, '2016-09-26T07:01:42Z');
    assert.equal(f.ip, '10.0.0.1');
    assert.equal('uuid' in f, false, 'a capsule uuid is dropped');
    assert.equal('topic' in f, false, 'a capsule topic is dropped');
  });

  it('takes a capsule userAgent only as text, parsed like the header; an object is refused', () => {
    const base = { event: {}, schema: 'Test', revision: 1 };
    const ok = fields(parseLine(`${encodeQson({ ...base, userAgent: 'Capsule/1.0' })}\th\t1\t2016-09-26T07:01:42\t-\tLine/2.0`));
    assert.equal((ok.userAgent as { browser_family: string }).browser_family, 'Capsule', 'an app sends its own user agent');
    const forged = failure(parseLine(`${encodeQson({ ...base, userAgent: { is_bot: false, browser_family: 'x' } })}\th\t1\t2016-09-26T07:01:42\t-\tLine/2.0`));
    assert.equal(forged.code, 'EL_DECODE_FAILED');
    const long = failure(parseLine(`${encodeQson({ ...base, userAgent: 'x'.repeat(2000) })}\th\t1\t2016-09-26T07:01:42\t-\tLine/2.0`));
    assert.equal(long.code, 'EL_USER_AGENT_TOO_LONG', 'the length limit holds for a capsule user agent too');
  });

  it('fills fields the line lacks from the capsule (a %j-only format keeps working)', () => {
    const p = compileFormat('%j', { userAgent });
    const f = fields(p(JSON.stringify({ event: {}, schema: 'T', revision: 1, recvFrom: 'c', seqId: 7, dt: '2013-01-19T23:16:38', userAgent: 'App/1.0' })));
    assert.equal(f.recvFrom, 'c');
    assert.equal(f.seqId, 7);
    assert.equal((f.userAgent as { browser_family: string }).browser_family, 'App');
  });

  it('fails a capsule value its converter rejects with EL_DECODE_FAILED', () => {
    const line = `${encodeQson({ schema: 'Edit', revision: 1, event: {}, userAgent: 42 })}\th\t1\t2016-09-26T07:01:42\t-`;
    const r = failure(compileFormat('%q %{recvFrom}s %{seqId}d %D %{ip}i', { userAgent })(line));
    assert.equal(r.code, 'EL_DECODE_FAILED');
    assert.equal(r.schema, 'Edit');
  });

  it('fails a capsule truncated at 1014 bytes with EL_DECODE_FAILED and recovers its schema', () => {
    const capsule = { event: { text: 'x'.repeat(2000) }, schema: 'Edit', revision: 1, wiki: 'enwiki' };
    const q = encodeQson({ schema: capsule.schema, revision: capsule.revision, wiki: capsule.wiki, event: capsule.event }).slice(0, 1014);
    const line = `${q}\tcp1066.eqiad.wmnet\t1\t2016-09-26T07:01:42\t127.0.0.1\tMozilla/5.0`;
    const r = failure(parseLine(line));
    assert.equal(r.code, 'EL_DECODE_FAILED');
    assert.equal(r.schema, 'Edit');
    assert.equal(r.revision, 1);
    assert.equal(r.wiki, 'enwiki');
    assert.equal(r.rawEvent, line);
  });

  it('fails non-UTF-8 percent bytes with EL_DECODE_FAILED', () => {
    const line = TEST_LINE.replace('%7B%7D', '%7B%22a%22%3A%22%C3%28%22%7D');
    const r = failure(parseLine(line));
    assert.equal(r.code, 'EL_DECODE_FAILED');
    assert.match(r.message, /UTF-8/);
    assert.equal(r.schema, 'Test');
  });

  it('fails a garbage line with EL_PARSE_FAILED, naming no schema', () => {
    const r = failure(parseLine('GET /favicon.ico HTTP/1.1'));
    assert.equal(r.code, 'EL_PARSE_FAILED');
    assert.equal(r.schema, undefined);
    assert.equal(failure(parseLine('')).code, 'EL_PARSE_FAILED');
  });

  it('fails an impossible date with EL_PARSE_FAILED', () => {
    assert.equal(failure(parseLine(TEST_LINE.replace('2016-09-26', '2016-02-31'))).code, 'EL_PARSE_FAILED');
  });

  it('fails a user agent over 800 characters with EL_USER_AGENT_TOO_LONG', () => {
    const r = failure(parseLine(TEST_LINE.replace(/Mozilla.*$/, `Mozilla/5.0 ${'x'.repeat(800)}`)));
    assert.equal(r.code, 'EL_USER_AGENT_TOO_LONG');
    assert.equal(r.schema, 'Test');
  });

  it('fails a capsule that is JSON but not an object', () => {
    assert.equal(failure(parseLine(TEST_LINE.replace(/^[^\t]*/, '?%5B%5D;'))).code, 'EL_DECODE_FAILED');
  });
});

describe('compileFormat, specifiers', () => {
  it('a space matches any run of whitespace', () => {
    const p = compileFormat('%q %{recvFrom}s %{seqId}d %D');
    const f = fields(p(`${encodeQson({ a: 1 })}  \t host \t\t 5   2013-01-19T23:16:38Z`));
    assert.deepEqual([f.recvFrom, f.seqId, f.dt], ['host', 5, '2013-01-19T23:16:38Z']);
  });

  it('%j reads a JSON capsule, spaces inside strings included; %t gives epoch seconds', () => {
    const p = compileFormat('%j %{recvFrom}s %{seqId}d %t');
    const f = fields(p('{"event":{"title":"Main Page"},"schema":"Edit"}\thost\t3\t2013-01-19T23:16:38'));
    assert.deepEqual(f.event, { title: 'Main Page' });
    assert.equal(f.timestamp, 1358637398);
  });

  it('%o skips a field, %{name}i keeps spaces, %% is a literal percent', () => {
    const p = compileFormat('%o %q %{note}i|%%');
    const f = fields(p(`skipped ${encodeQson({ a: 1 })} two words|%`));
    assert.equal(f.note, 'two words');
    assert.equal('omit' in f, false);
    assert.equal(p(`skipped ${encodeQson({ a: 1 })} two words|x`).ok, false);
  });

  it('rejects bad formats at compile time with EL_CONFIG_INVALID', () => {
    const invalid = (format: string, opts = {}) =>
      assert.throws(() => compileFormat(format, opts), (e: unknown) => e instanceof ElError && e.code === 'EL_CONFIG_INVALID', format);
    invalid('%q %x');
    invalid('%q %s');
    invalid('%q %{bad-name}s');
    invalid('%{recvFrom}s %{seqId}d');
    invalid('%q %j');
    invalid('%q %u');
    invalid('%q %');
  });
});

describe('compileFormat, hostile lines', () => {
  // Lines that made the former whole-line regex backtrack quadratically (a 32 KB one took
  // seconds): each is parsed in one pass now, and answered like any other line that does not match.
  it('fails lines built to make a backtracking matcher explode, with EL_PARSE_FAILED', () => {
    const prefix = `${encodeQson({ schema: 'A', revision: 1, event: {} })}\th\t1\t2016-09-26T07:01:42`;
    for (const line of [
      `${'\n'.repeat(100_000)}\t`,
      `${'\r\n'.repeat(50_000)}x`,
      `${prefix}${'\t '.repeat(50_000)}\t`,
      `${prefix}\t1.2.3.4\t${'a '.repeat(50_000)}\t`,
    ]) {
      assert.equal(failure(parseLine(line)).code, 'EL_PARSE_FAILED');
    }
  });

  it('fails a line over the size limit with EL_INPUT_LIMIT, quoting only its head', () => {
    const p = compileFormat(PRODUCTION, { userAgent, limits: { maxLineBytes: 1000, maxDepth: 32, maxObjectKeys: 1000, maxValues: 20_000 } });
    const long = `${encodeQson({ schema: 'Edit', revision: 1, event: { t: 'x'.repeat(2000) } })}\th\t1\t2016-09-26T07:01:42\t-\t-`;
    const r = failure(p(long));
    assert.equal(r.code, 'EL_INPUT_LIMIT');
    assert.equal(r.schema, 'Edit', 'the schema is still named');
    assert.equal(r.rawEvent.length, 1000);
    // Multi-byte characters count as bytes: 400 × '€' is 1,200 bytes in 400 UTF-16 units.
    const wide = `${encodeQson({ schema: 'Edit', revision: 1, event: {} })}\th\t1\t2016-09-26T07:01:42\t-\t${'€'.repeat(400)}`;
    assert.equal(failure(p(wide)).code, 'EL_INPUT_LIMIT');
  });

  it('fails a capsule nested 5,000 levels deep or with 50,000 keys with EL_INPUT_LIMIT', () => {
    const deep = `{"schema":"Edit","revision":1,"event":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const wide = JSON.stringify({ schema: 'Edit', revision: 1, event: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 1])) });
    for (const capsule of [deep, wide]) {
      const r = failure(parseLine(`?${encodeURIComponent(capsule)};\th\t1\t2016-09-26T07:01:42\t-\t-`));
      assert.equal(r.code, 'EL_INPUT_LIMIT');
      assert.equal(r.schema, 'Edit');
    }
  });

  it('splits a run followed by a literal at the literal\'s last occurrence, as a greedy match would', () => {
    const p = compileFormat('%q %{a}s:%{b}s');
    const f = fields(p(`${encodeQson({ x: 1 })} x:y:z`));
    assert.equal(f.a, 'x:y');
    assert.equal(f.b, 'z');
  });

  it('reads a %j capsule whose strings hold spaces and braces up to the brace that closes it', () => {
    const p = compileFormat('%j %{recvFrom}s');
    const f = fields(p(`${JSON.stringify({ note: 'a } b { c', n: [1, { d: '}' }] })} host1`));
    assert.equal(f.note, 'a } b { c');
    assert.equal(f.recvFrom, 'host1');
  });
});

