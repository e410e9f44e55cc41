/**
 * User-agent sanitising: the `%u` converter. The regex matching itself (uap-core's
 * `regexes.yaml` through `uap-ref-impl`) is loaded outside the domain and injected as a
 * {@link UaRegexParser}; this module turns its answer into the capsule's `userAgent` object, the
 * way the original EventLogging's `parse_ua` did, and caches it.
 */

/** The capsule's parsed user agent (the JSON stored in the `userAgent` column). */
export interface UserAgentInfo {
  readonly browser_family: string;
  readonly browser_major: string | null;
  readonly browser_minor: string | null;
  readonly os_family: string;
  readonly os_major: string | null;
  readonly os_minor: string | null;
  readonly device_family: string;
  /** Version of the Wikipedia app (`WikipediaApp/5.3.1.1011 ...` → `5.3.1.1011`), else `-`. */
  readonly wmf_app_version: string;
  readonly is_bot: boolean;
  readonly is_mediawiki: boolean;
}

/** What a uap-core compatible parser reports (the shape of `uap-ref-impl`'s `parse`). */
export interface UaRegexResult {
  readonly ua: { readonly family: string | null; readonly major: string | null; readonly minor: string | null };
  readonly os: { readonly family: string | null; readonly major: string | null; readonly minor: string | null };
  readonly device: { readonly family: string | null };
}

/** A uap-core compatible regex parser, injected (loading `regexes.yaml` is I/O). */
export type UaRegexParser = (userAgent: string) => UaRegexResult;

/** A user agent parsed, or refused because it is too long. */
export type UserAgentResult =
  | { readonly ok: true; readonly value: UserAgentInfo }
  | { readonly ok: false; readonly code: 'EL_USER_AGENT_TOO_LONG'; readonly message: string };

/** Parses a raw user agent string into {@link UserAgentInfo}. Never throws. */
export type UserAgentParser = (userAgent: string) => UserAgentResult;

/**
 * Longer user agents are refused: they are almost always garbage or attacks, and every regex of
 * uap-core runs over the whole string (slow on long input).
 */
export const MAX_USER_AGENT_LENGTH = 800;

/** Default number of distinct user agents whose parse is cached. */
export const DEFAULT_USER_AGENT_CACHE_SIZE = 10_000;

/**
 * The original's bot pattern (from Wikimedia's refinery `Webrequest.java`), extending uap-core's
 * Spider detection. Anchored at the start, like Python's `re.match`.
 */
const BOT_PATTERN = new RegExp(
  '^(?:.*(?:bot|spider|WordPress|AppEngine|AppleDictionaryService|Python-urllib|python-requests|' +
    'Google-HTTP-Java-Client|[Ff]acebook|[Yy]ahoo|RockPeaks|http).*|' +
    '(?:goo wikipedia|MediaWikiCrawler-Google|wikiwix-bot|Java|curl|PHP|Faraday|HTTPC|Ruby|\\.NET|' +
    'Python|Apache|Scrapy|PycURL|libwww|Zend|wget|nodemw|WinHttpRaw|Twisted|com\\.eusoft|Lagotto|' +
    'Peggo|Recuweb|check_http|Magnus|MLD|Jakarta|find-link|J\\. River|projectplan9|ADmantX|' +
    'httpunit|LWP|iNaturalist|WikiDemo|FSResearchIt|livedoor|Microsoft Monitoring|MediaWiki|' +
    'User:|User_talk:|github|tools.wmflabs.org|Blackboard Safeassign|Damn Small XSS|' +
    '\\S+@\\S+\\.[a-zA-Z]{2,3}).*)$',
);

/**
 * Whether a user agent is a bot: uap-core says `Spider`, or (only when uap-core could not name a
 * device, family `Other`) the bot pattern matches. Checking the pattern only for `Other` devices
 * is the original's rule; it keeps in-app browsers (an iPhone UA mentioning Facebook) as humans.
 */
export function isBotUserAgent(deviceFamily: string, userAgent: string): boolean {
  if (deviceFamily === 'Spider') return true;
  if (deviceFamily !== 'Other') return false;
  return BOT_PATTERN.test(userAgent.replace(/^"+|"+$/g, ''));
}

/** Whether the request came from a MediaWiki backend (`mediawiki` anywhere, any case). */
export function isMediaWikiUserAgent(userAgent: string): boolean {
  return userAgent.toLowerCase().includes('mediawiki');
}

const APP_VERSION = /WikipediaApp\/(\S+)/;

/** The Wikipedia app version in a user agent, else `-`. */
export function wmfAppVersion(userAgent: string): string {
  return APP_VERSION.exec(userAgent)?.[1] ?? '-';
}

/** Builds {@link UserAgentInfo} from the regex parser's answer; no length check, no cache. */
export function describeUserAgent(userAgent: string, parsed: UaRegexResult): UserAgentInfo {
  const deviceFamily = parsed.device.family ?? 'Other';
  return {
    browser_family: parsed.ua.family ?? 'Other',
    browser_major: parsed.ua.major ?? null,
    browser_minor: parsed.ua.minor ?? null,
    os_family: parsed.os.family ?? 'Other',
    os_major: parsed.os.major ?? null,
    os_minor: parsed.os.minor ?? null,
    device_family: deviceFamily,
    wmf_app_version: wmfAppVersion(userAgent),
    is_bot: isBotUserAgent(deviceFamily, userAgent),
    is_mediawiki: isMediaWikiUserAgent(userAgent),
  };
}

/** Options of {@link createUserAgentParser}. */
export interface UserAgentParserOptions {
  /** Distinct user agents kept in the LRU cache (default {@link DEFAULT_USER_AGENT_CACHE_SIZE}); 0 disables it. */
  readonly cacheSize?: number;
}

/**
 * A {@link UserAgentParser} over an injected uap-core parser, with a bounded LRU cache: traffic
 * repeats a small set of user agents, and one uap-core parse costs ~1 ms. Results are frozen, so
 * sharing cached objects between capsules is safe. A regex parser that throws yields family
 * `Other` rather than failing the event.
 */
export function createUserAgentParser(regexParser: UaRegexParser, options: UserAgentParserOptions = {}): UserAgentParser {
  const capacity = Math.max(0, Math.floor(options.cacheSize ?? DEFAULT_USER_AGENT_CACHE_SIZE));
  const cache = new Map<string, UserAgentInfo>();
  const other: UaRegexResult = {
    ua: { family: 'Other', major: null, minor: null },
    os: { family: 'Other', major: null, minor: null },
    device: { family: 'Other' },
  };
  return (userAgent) => {
    if (userAgent.length > MAX_USER_AGENT_LENGTH) {
      return {
        ok: false,
        code: 'EL_USER_AGENT_TOO_LONG',
        message: `user agent is ${userAgent.length} characters, longer than ${MAX_USER_AGENT_LENGTH}`,
      };
    }
    const hit = cache.get(userAgent);
    if (hit !== undefined) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      cache.delete(userAgent);
      cache.set(userAgent, hit);
      return { ok: true, value: hit };
    }
    let parsed: UaRegexResult;
    try {
      parsed = regexParser(userAgent);
    } catch {
      parsed = other;
    }
    const value = Object.freeze(describeUserAgent(userAgent, parsed));
    if (capacity > 0) {
      if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      cache.set(userAgent, value);
    }
    return { ok: true, value };
  };
}

/** Which events the MySQL consumer keeps, by user agent. */
export interface BotPolicy {
  /** Drop events whose user agent is a bot (default true). */
  readonly dropBots?: boolean;
  /** Keep bot events from MediaWiki backends even when dropping bots (default true). */
  readonly keepMediaWiki?: boolean;
}

/**
 * Whether an event with this user agent goes to MySQL. By default bots are dropped unless the
 * request came from MediaWiki (server-side events are legitimate). No user agent → kept.
 */
export function keepForMysql(userAgent: UserAgentInfo | null | undefined, policy: BotPolicy = {}): boolean {
  if (!userAgent) return true;
  const dropBots = policy.dropBots ?? true;
  const keepMediaWiki = policy.keepMediaWiki ?? true;
  if (!dropBots || !userAgent.is_bot) return true;
  return keepMediaWiki && userAgent.is_mediawiki;
}
