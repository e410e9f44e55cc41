// Hostile input through the whole processor path (parse → decode → capsule → validate → route):
// generated deep, wide and odd JSON, bad bytes and forged capsule fields. Whatever a client sends,
// no stage throws, every line yields exactly one output message (its capsule or its EventError),
// that message is JSON, and a valid capsule's uuid is the one its line's fields give.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileFormat } from '../../src/domain/event/format-string.js';
import { createSchemaRegistry } from '../../src/domain/schema/schema-registry.js';
import { capsuleUuid } from '../../src/domain/event/uuid.js';
import { createMessageChecker } from '../../src/roles/processor/check-message.js';
import { routeChecked, type RouteDeps } from '../../src/streams/route.js';
import { quickUserAgent } from '../unit/roles/processor/helpers.js';

const SCHEMAS: Record<string, unknown> = {
  Free: { properties: { n: { type: 'integer' }, constructor: { type: 'string' } } },
  Strict: { properties: { a: { type: 'string', pattern: '^[a-z]*$' } }, additionalProperties: false },
};
const registry = createSchemaRegistry({
  load: async (name) => {
    if (!(name in SCHEMAS)) throw Object.assign(new Error(`no ${name}`), { code: 'EL_SCHEMA_NOT_FOUND' });
    return SCHEMAS[name];
  },
  now: () => 0,
});
const check = createMessageChecker({ parseLine: compileFormat('%q %{recvFrom}s %{seqId}d %D %{ip}i %u', { userAgent: quickUserAgent }), registry });
const route: RouteDeps = {
  outputs: [{ index: 0, topic: 'eventlogging_{schema}' }],
  invalid: { index: 0, topic: 'eventlogging_EventError' },
  errorContext: () => ({ recvFrom: 'test', dt: '2024-01-01T00:00:00Z' }),
};

/** JSON text nested `depth` levels (objects or arrays), built as text so no stage sees it first. */
const deep = fc.record({ depth: fc.integer({ min: 1, max: 6000 }), arrays: fc.boolean() })
  .map(({ depth, arrays }) => (arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));
const wide = fc.integer({ min: 0, max: 40_000 }).map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`);
const odd = fc.constantFrom('{"n":1e999}', '{"__proto__":{"x":1}}', '{"free":{"__proto__":null}}', '{"n":-0}', '{"constructor":"x"}', '[]', 'null', '"text"', '{"a":"\\ud800"}', '{"a":"ok"}', '{}');
const plain = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
const eventText = fc.oneof({ arbitrary: deep, weight: 2 }, { arbitrary: wide, weight: 1 }, { arbitrary: odd, weight: 3 }, { arbitrary: plain, weight: 2 });
/** Capsule fields a client might forge. */
const forged = fc.record({
  recvFrom: fc.string(), seqId: fc.oneof(fc.integer(), fc.string()), dt: fc.string(), uuid: fc.string(), topic: fc.string(), ip: fc.string(),
  userAgent: fc.oneof(fc.string(), fc.constant({ is_bot: false, browser_family: 'forged' }), fc.constant(null)),
}, { requiredKeys: [] });

const line = fc.record({
  schema: fc.constantFrom('Free', 'Strict', 'Missing', ''),
  event: eventText,
  forged,
  seqId: fc.nat(),
  encoding: fc.constantFrom('percent', 'raw-bytes', 'broken-percent'),
}).map(({ schema, event, forged: f, seqId, encoding }) => {
  const capsule = `{"schema":${JSON.stringify(schema)},"revision":1,"wiki":"w",${JSON.stringify(f).slice(1, -1)}${Object.keys(f).length > 0 ? ',' : ''}"event":${event}}`;
  const query = encoding === 'broken-percent' ? `${encodeURIComponent(capsule)}%C3%28` : encodeURIComponent(capsule);
  const text = `?${query};\thost1\t${seqId}\t2016-09-26T07:01:42\t10.0.0.1\tMozilla/5.0`;
  // An app's own user agent (a non-empty string) stands; anything else leaves the header's.
  const ua = typeof f.userAgent === 'string' && f.userAgent !== '' && f.userAgent !== '-' ? f.userAgent : 'Mozilla/5.0';
  return { value: encoding === 'raw-bytes' ? Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0xfe])]) : text, seqId, ua };
});

describe('processor, hostile input', () => {
  it('every line yields exactly one JSON message, no stage throws, and no client chooses a uuid', async () => {
    await fc.assert(fc.asyncProperty(line, async ({ value, seqId, ua }) => {
      const checked = await check({ value });
      const messages = routeChecked(route, checked);
      assert.equal(messages.length, 1);
      const out = JSON.parse(messages[0]!.value as string) as Record<string, unknown>;
      if (checked.kind === 'valid') {
        assert.equal(out.uuid, capsuleUuid({ recvFrom: 'host1', seqId, dt: '2016-09-26T07:01:42Z' }));
        assert.equal(out.recvFrom, 'host1');
        assert.equal(out.ip, '10.0.0.1');
        assert.equal('topic' in out, false);
        const expected = quickUserAgent(ua);
        assert.deepEqual(out.userAgent, expected.ok ? expected.value : undefined, 'the header or an app\'s own string, parsed here; never a forged object');
      } else {
        assert.equal(out.schema, 'EventError');
      }
    }), { numRuns: 300 });
  });
});
