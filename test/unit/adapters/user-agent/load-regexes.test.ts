import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ElError } from '../../../../src/domain/errors.js';
import { loadUaRegexParser, loadUserAgentParser } from '../../../../src/adapters/user-agent/load-regexes.js';

describe('loadUserAgentParser (uap-core regexes)', () => {
  const parse = loadUserAgentParser();

  it('parses a desktop browser', () => {
    const r = parse('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36');
    assert.ok(r.ok);
    assert.equal(r.value.browser_family, 'Chrome');
    assert.equal(r.value.browser_major, '120');
    assert.equal(r.value.os_family, 'Windows');
    assert.equal(r.value.is_bot, false);
  });

  it('marks Googlebot as a bot (uap-core Spider)', () => {
    const r = parse('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)');
    assert.ok(r.ok);
    assert.equal(r.value.device_family, 'Spider');
    assert.equal(r.value.is_bot, true);
  });

  it('reads the Wikipedia app and MediaWiki user agents', () => {
    const app = parse('WikipediaApp/2.4.160-r-2016-10-14 (Android 4.4.2; Phone) Google Play');
    assert.ok(app.ok);
    assert.equal(app.value.wmf_app_version, '2.4.160-r-2016-10-14');
    const mw = parse('MediaWiki/1.28.0-wmf.20');
    assert.ok(mw.ok);
    assert.equal(mw.value.is_mediawiki, true);
  });

  it('fails with EL_CONFIG_INVALID on a missing regexes file', () => {
    assert.throws(() => loadUaRegexParser('/nonexistent/regexes.yaml'), (e: unknown) => e instanceof ElError && e.code === 'EL_CONFIG_INVALID');
  });
});
