import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileFormat } from '../../../src/domain/event/format-string.js';
import { encodeQson } from '../../../src/domain/event/qson.js';
import { createUserAgentParser } from '../../../src/domain/event/user-agent.js';
import { parseMessage, type FailedItem, type ParsedItem, type RawMessage } from '../../../src/streams/parse.js';

const userAgent = createUserAgentParser(() => ({
  ua: { family: 'Firefox', major: '115', minor: '0' },
  os: { family: 'Linux', major: null, minor: null },
  device: { family: 'Other' },
}));
const parseLine = compileFormat('%q %{recvFrom}s %{seqId}d %D %{ip}i %u', { userAgent });
const source = (offset: number) => ({ topic: 'eventlogging-client-side', partition: 0, offset });
const line = (capsule: Record<string, unknown>, seqId = 1) => `${encodeQson(capsule)}\tsrv0.example.org\t${seqId}\t2013-01-19T23:16:38\t127.0.0.1\tMozilla/5.0`;
const good = { event: { action: 'init' }, schema: 'Edit', revision: 1, wiki: 'enwiki', webHost: 'en.wikipedia.org' };

describe('parse stage', () => {
  it('gives one item per message, errors as data, never throwing', () => {
    const messages: RawMessage[] = [
      { value: line(good, 132073), source: source(0) },
      { value: 'garbage', source: source(1) },
      { value: Buffer.from(line(good, 2)), source: source(2) },
      { value: line({ ...good, schema: undefined }), source: source(3) },
      { value: null, source: source(4) },
    ];
    const out = messages.map((m) => parseMessage(parseLine, m));
    assert.deepEqual(out.map((o) => o.kind), ['ok', 'failed', 'ok', 'failed', 'failed']);
    assert.deepEqual(out.map((o) => o.source?.offset), [0, 1, 2, 3, 4]);

    const first = out[0] as ParsedItem;
    assert.equal(first.capsule.uuid, '749684341abf513186c71f74c6a09502');
    assert.equal(first.rawEvent, messages[0]!.value);

    const garbage = out[1] as FailedItem;
    assert.deepEqual(garbage.error, {
      code: 'processor', message: garbage.error.message, stage: 'parse', errorCode: 'EL_PARSE_FAILED', rawEvent: 'garbage', source: source(1),
    });

    assert.equal((out[2] as ParsedItem).capsule.seqId, 2, 'bytes are decoded as UTF-8');

    const noSchema = out[3] as FailedItem;
    assert.equal(noSchema.error.code, 'validation');
    assert.equal(noSchema.error.stage, 'capsule');
    assert.equal(noSchema.error.errorCode, 'EL_VALIDATION_FAILED');
    assert.equal(noSchema.error.revision, 1);

    assert.equal((out[4] as FailedItem).error.errorCode, 'EL_PARSE_FAILED');
  });

  it('carries recovered schema and revision of an undecodable line', () => {
    const raw = line(good).replace('init', 'init%C3%28');
    const item = parseMessage(parseLine, { value: raw });
    assert.equal(item.kind, 'failed');
    const { error } = item as FailedItem;
    assert.deepEqual([error.errorCode, error.schema, error.revision, error.wiki, error.source], ['EL_DECODE_FAILED', 'Edit', 1, 'enwiki', undefined]);
  });

  it('fails message bytes that are not UTF-8 with EL_DECODE_FAILED, keeping a readable rawEvent', () => {
    const bytes = Buffer.concat([Buffer.from(line(good)), Buffer.from([0xc3, 0x28])]);
    const item = parseMessage(parseLine, { value: bytes });
    assert.equal(item.kind, 'failed');
    const { error } = item as FailedItem;
    assert.equal(error.errorCode, 'EL_DECODE_FAILED');
    assert.equal(error.schema, 'Edit');
    assert.ok(error.rawEvent.endsWith('\uFFFD('));
  });

  it('turns a throwing line parser into an EL_INTERNAL failure instead of an error', () => {
    const item = parseMessage(() => { throw new Error('bug'); }, { value: 'x' });
    assert.equal(item.kind, 'failed');
    assert.equal((item as FailedItem).error.errorCode, 'EL_INTERNAL');
  });
});

describe('parse stage over test/fixtures/raw/sample.log (real uap-core regexes)', async () => {
  const { readFileSync } = await import('node:fs');
  const { loadUserAgentParser } = await import('../../../src/adapters/user-agent/load-regexes.js');
  const realParse = compileFormat('%q %{recvFrom}s %{seqId}d %D %{ip}i %u', { userAgent: loadUserAgentParser() });
  const dir = new URL('../../fixtures/raw/', import.meta.url);
  const lines = readFileSync(new URL('sample.log', dir), 'utf8').split('\n').filter((l) => l !== '');
  const expected = JSON.parse(readFileSync(new URL('sample.expected.json', dir), 'utf8')) as {
    line: number; outcome: 'valid' | 'invalid' | 'error'; schema: string; revision: number; errorCode?: string; uuid?: string; note: string;
  }[];

  it('has about 40 lines, one expectation each', () => {
    assert.equal(lines.length, expected.length);
    assert.ok(lines.length >= 35, String(lines.length));
  });

  it('every line parses or fails exactly as sample.expected.json says', () => {
    const items = lines.map((value, i) => parseMessage(realParse, { value, source: source(i) }));
    for (const e of expected) {
      const item = items[e.line - 1]!;
      if (e.outcome === 'error') {
        assert.equal(item.kind, 'failed', e.note);
        const { error } = item as FailedItem;
        assert.equal(error.errorCode, e.errorCode, e.note);
        assert.equal(error.schema ?? 'unknown', e.schema, e.note);
        assert.equal(error.revision ?? -1, e.revision, e.note);
      } else if (item.kind === 'ok') {
        assert.equal(item.capsule.uuid, e.uuid, e.note);
        assert.equal(item.capsule.schema, e.schema, e.note);
      } else {
        // Only a capsule-level fault may fail before validation (capsule without a field the parser needs).
        assert.equal(e.outcome, 'invalid', e.note);
        assert.equal(item.error.code, 'validation', e.note);
      }
    }
    const uas = items.flatMap((i) => (i.kind === 'ok' && i.capsule.userAgent ? [i.capsule.userAgent] : []));
    assert.ok(uas.some((u) => u.is_bot && !u.is_mediawiki), 'a bot user agent');
    assert.ok(uas.some((u) => u.is_mediawiki), 'a MediaWiki user agent');
    assert.ok(uas.some((u) => u.wmf_app_version !== '-'), 'a Wikipedia app user agent');
  });
});
