import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encapsulate } from '../../src/domain/event/capsule.js';
import { compileFormat, type ParseResult } from '../../src/domain/event/format-string.js';
import { createUserAgentParser } from '../../src/domain/event/user-agent.js';
import { capsuleUuid } from '../../src/domain/event/uuid.js';
import { formatRawLine, isoSeconds } from '../../src/roles/intake/raw-line.js';
import { parseMessage } from '../../src/streams/parse.js';

/** A stand-in for uap-core that echoes the user agent, so the round trip can check it. */
const userAgent = createUserAgentParser((ua) => ({
  ua: { family: ua, major: null, minor: null },
  os: { family: 'Other', major: null, minor: null },
  device: { family: 'Other' },
}), { cacheSize: 16 });
const parseLine = compileFormat('%q %{recvFrom}s %{seqId}d %D %{ip}i %u', { userAgent });

/** JSON values as they come back from JSON.parse (no -0, no undefined). */
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const event = fc.dictionary(fc.fullUnicodeString({ maxLength: 12 }), json, { maxKeys: 6 });
const schemaName = fc.stringMatching(/^[./a-zA-Z0-9_-]{1,63}$/);
const token = fc.fullUnicodeString({ minLength: 1, maxLength: 40 }).filter((s) => /^\S+$/.test(s));
const userAgentText = fc.option(
  fc.fullUnicodeString({ minLength: 1, maxLength: 200 }).filter((s) => !/^\s/.test(s) && !/\t/.test(s)),
  { nil: undefined },
);
const lineParts = fc.record({
  event,
  schema: schemaName,
  revision: fc.integer({ min: 1, max: 2 ** 31 }),
  wiki: fc.fullUnicodeString({ maxLength: 20 }),
  webHost: fc.fullUnicodeString({ maxLength: 30 }),
  recvFrom: token,
  seqId: fc.nat(),
  receivedAt: fc.integer({ min: 0, max: 253402300799000 }),
  ip: token,
  userAgent: userAgentText,
});

const CODES = new Set(['EL_PARSE_FAILED', 'EL_DECODE_FAILED', 'EL_USER_AGENT_TOO_LONG', 'EL_INPUT_LIMIT']);
function wellFormed(r: ParseResult, input: string): void {
  if (r.ok) return;
  assert.ok(CODES.has(r.code), r.code);
  assert.equal(typeof r.message, 'string');
  assert.equal(r.rawEvent, input);
}

describe('parser, properties', () => {
  it('round trip: a capsule encoded as a production line parses back to the same capsule', () => {
    fc.assert(
      fc.property(lineParts, (p) => {
        const { recvFrom, seqId, receivedAt, ip } = p;
        const line = formatRawLine({
          query: encodeURIComponent(JSON.stringify({ event: p.event, schema: p.schema, revision: p.revision, wiki: p.wiki, webHost: p.webHost })),
          recvFrom, seqId, receivedAt, ip, userAgent: p.userAgent,
        });
        const parsed = parseLine(line);
        if (!parsed.ok) {
          // A `__proto__` key is over the input limits (documented), wherever it is.
          if (JSON.stringify(p.event).includes('"__proto__"')) return assert.equal(parsed.code, 'EL_INPUT_LIMIT');
          assert.fail(`${parsed.code}: ${parsed.message}`);
        }
        const r = encapsulate(parsed.fields);
        if (!r.ok) assert.fail(`${r.code}: ${r.message}`);
        const c = r.capsule;
        const dt = `${isoSeconds(receivedAt)}Z`;
        assert.deepEqual(c.event, p.event);
        assert.deepEqual([c.schema, c.revision, c.wiki, c.webHost], [p.schema, p.revision, p.wiki, p.webHost]);
        // `-` is how a line says "no ip" (varnishncsa's convention): the capsule then has none.
        assert.deepEqual([c.recvFrom, c.seqId, c.dt, c.ip], [recvFrom, seqId, dt, ip === '-' ? undefined : ip]);
        assert.equal(c.uuid, capsuleUuid({ recvFrom, seqId, dt }));
        const sentUa = p.userAgent?.replace(/[\r\n\v\f]/g, ' ');
        if (sentUa === undefined || sentUa.trim() === '' || sentUa === '-') assert.equal(c.userAgent, null);
        else assert.equal(c.userAgent?.browser_family, sentUa.length > 800 ? undefined : sentUa);
      }),
      { numRuns: 300 },
    );
  });

  it('the line\'s identity fields win over the capsule\'s, so the uuid is the line\'s', () => {
    fc.assert(
      fc.property(lineParts, token, fc.nat(), token, (p, capsuleRecvFrom, capsuleSeqId, capsuleIp) => {
        // An event with a `__proto__` key is refused whole (EL_INPUT_LIMIT, the property above).
        fc.pre(!JSON.stringify(p.event).includes('"__proto__"'));
        const query = encodeURIComponent(JSON.stringify({
          event: p.event, schema: p.schema, revision: p.revision, recvFrom: capsuleRecvFrom, seqId: capsuleSeqId, dt: '2001-01-01T00:00:00Z', ip: capsuleIp, uuid: 'f'.repeat(32),
        }));
        const parsed = parseLine(formatRawLine({ ...p, query }));
        if (!parsed.ok) assert.fail(parsed.message);
        assert.equal(parsed.fields.recvFrom, p.recvFrom);
        assert.equal(parsed.fields.seqId, p.seqId);
        assert.equal(parsed.fields.ip, p.ip);
        assert.equal(parsed.fields.dt, `${isoSeconds(p.receivedAt)}Z`);
        assert.equal('uuid' in parsed.fields, false);
      }),
      { numRuns: 100 },
    );
  });

  it('no string makes the parser throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.fullUnicodeString(), fc.string({ unit: 'binary' })), (s) => {
        wellFormed(parseLine(s), s);
        assert.ok(['ok', 'failed'].includes(parseMessage(parseLine, { value: s }).kind));
      }),
      { numRuns: 1000 },
    );
  });

  it('no mutation of a real line makes the parser throw', () => {
    const edit = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.nat({ max: 20 }) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.fullUnicodeString({ maxLength: 5 }), fc.constantFrom('%', '%C3', '%28', '\t', '"', '}', '{', '%7B', '%22', '+', ';', '?')) }),
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(lineParts, fc.array(edit, { minLength: 1, maxLength: 6 }), (p, edits) => {
        let line = formatRawLine({
          query: encodeURIComponent(JSON.stringify({ event: p.event, schema: p.schema, revision: p.revision })),
          recvFrom: p.recvFrom, seqId: p.seqId, receivedAt: p.receivedAt, ip: p.ip, userAgent: p.userAgent,
        });
        for (const e of edits) {
          const at = line.length === 0 ? 0 : e.at % (line.length + 1);
          if (e.op === 'delete') line = line.slice(0, at) + line.slice(at + e.length);
          else if (e.op === 'insert') line = line.slice(0, at) + e.text + line.slice(at);
          else line = line.slice(0, at);
        }
        const r = parseLine(line);
        wellFormed(r, line);
        if (r.ok) encapsulate(r.fields);
        assert.ok(['ok', 'failed'].includes(parseMessage(parseLine, { value: line }).kind));
      }),
      { numRuns: 1000 },
    );
  });
});
