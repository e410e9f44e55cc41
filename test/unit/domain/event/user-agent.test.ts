import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_USER_AGENT_LENGTH,
  createUserAgentParser,
  describeUserAgent,
  isBotUserAgent,
  keepForMysql,
  wmfAppVersion,
  type UaRegexResult,
  type UserAgentInfo,
} from '../../../../src/domain/event/user-agent.js';

const result = (browser: string, device = 'Other'): UaRegexResult => ({
  ua: { family: browser, major: '1', minor: '2' },
  os: { family: 'Linux', major: null, minor: null },
  device: { family: device },
});

describe('describeUserAgent', () => {
  it('maps uap-core families and versions to the capsule fields', () => {
    const info = describeUserAgent('Mozilla/5.0 Firefox/115.0', {
      ua: { family: 'Firefox', major: '115', minor: '0' },
      os: { family: 'Windows', major: '10', minor: null },
      device: { family: 'Other' },
    });
    assert.deepEqual(info, {
      browser_family: 'Firefox',
      browser_major: '115',
      browser_minor: '0',
      os_family: 'Windows',
      os_major: '10',
      os_minor: null,
      device_family: 'Other',
      wmf_app_version: '-',
      is_bot: false,
      is_mediawiki: false,
    });
  });

  it('reads the Wikipedia app version', () => {
    assert.equal(wmfAppVersion('WikipediaApp/5.3.1.1011 (iOS 10.0.2; Phone)'), '5.3.1.1011');
    assert.equal(wmfAppVersion('WikipediaApp/2.4.160-r-2016-10-14 (Android 4.4.2; Phone) Google Play'), '2.4.160-r-2016-10-14');
    assert.equal(wmfAppVersion('Mozilla/5.0'), '-');
  });

  it('flags MediaWiki backends case-insensitively', () => {
    assert.equal(describeUserAgent('MediaWiki/1.28.0-wmf.20', result('Other', 'Generic Feature Phone')).is_mediawiki, true);
    assert.equal(describeUserAgent('my mediawiki bot', result('Other')).is_mediawiki, true);
  });
});

describe('isBotUserAgent', () => {
  it('trusts uap-core Spider', () => assert.equal(isBotUserAgent('Spider', 'Googlebot/2.1'), true));
  it('applies the bot pattern to Other devices', () => {
    assert.equal(isBotUserAgent('Other', 'python-requests/2.9.1'), true);
    assert.equal(isBotUserAgent('Other', 'curl/7.1'), true);
    assert.equal(isBotUserAgent('Other', 'my crawler (http://example.org)'), true);
    assert.equal(isBotUserAgent('Other', 'someone@example.org'), true);
    assert.equal(isBotUserAgent('Other', '"MediaWiki/1.28"'), true);
    assert.equal(isBotUserAgent('Other', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/115.0'), false);
  });
  it('keeps named devices as humans even when the pattern would match (in-app browsers)', () => {
    assert.equal(isBotUserAgent('iPhone', 'Mozilla/5.0 (iPhone) [FBAN/FBIOS;FBAV/1] facebook'), false);
  });
  it('anchors the second alternative at the start, like Python re.match', () => {
    assert.equal(isBotUserAgent('Other', 'Java/1.8.0'), true);
    assert.equal(isBotUserAgent('Other', 'Mozilla/5.0 Java'), false);
  });
});

describe('createUserAgentParser', () => {
  it('refuses user agents over 800 characters with EL_USER_AGENT_TOO_LONG', () => {
    const parse = createUserAgentParser(() => result('X'));
    assert.equal(parse('a'.repeat(MAX_USER_AGENT_LENGTH)).ok, true);
    const r = parse('a'.repeat(MAX_USER_AGENT_LENGTH + 1));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'EL_USER_AGENT_TOO_LONG');
  });

  it('caches parses and evicts the least recently used beyond its size', () => {
    const calls: string[] = [];
    const parse = createUserAgentParser((ua) => { calls.push(ua); return result(ua); }, { cacheSize: 2 });
    parse('a'); parse('b'); parse('a'); // a is now most recent
    parse('c'); // evicts b
    parse('a'); parse('b');
    assert.deepEqual(calls, ['a', 'b', 'c', 'b']);
  });

  it('returns a frozen value, and family Other when the regex parser throws', () => {
    const parse = createUserAgentParser(() => { throw new Error('boom'); });
    const r = parse('x');
    assert.ok(r.ok);
    assert.equal(r.value.browser_family, 'Other');
    assert.ok(Object.isFrozen(r.value));
  });
});

describe('keepForMysql', () => {
  const ua = (is_bot: boolean, is_mediawiki: boolean): UserAgentInfo => ({ ...describeUserAgent('x', result('X')), is_bot, is_mediawiki });
  it('drops bots but keeps MediaWiki bots and humans by default', () => {
    assert.equal(keepForMysql(ua(true, false)), false);
    assert.equal(keepForMysql(ua(true, true)), true);
    assert.equal(keepForMysql(ua(false, false)), true);
    assert.equal(keepForMysql(null), true);
  });
  it('follows the policy', () => {
    assert.equal(keepForMysql(ua(true, false), { dropBots: false }), true);
    assert.equal(keepForMysql(ua(true, true), { keepMediaWiki: false }), false);
  });
});
