/**
 * Loads uap-core's `regexes.yaml` into a uap-core compatible parser (`uap-ref-impl`), the I/O half
 * of user-agent parsing; the domain half is `src/domain/event/user-agent.ts`. Compiling the ~1,200
 * regexes takes a few hundred ms: do it once per process and share the parser.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import yaml from 'js-yaml';
import { ElError } from '../../domain/errors.js';
import {
  createUserAgentParser,
  type UaRegexParser,
  type UaRegexResult,
  type UserAgentParser,
  type UserAgentParserOptions,
} from '../../domain/event/user-agent.js';

const require = createRequire(import.meta.url);

/** The `regexes.yaml` shipped with the installed `uap-core` package. */
export function defaultRegexesPath(): string {
  return require.resolve('uap-core/regexes.yaml');
}

/**
 * Reads and compiles a `regexes.yaml` (default: uap-core's) into the regex parser the domain
 * expects. Throws `EL_CONFIG_INVALID` when the file cannot be read or is not a uap-core file.
 */
export function loadUaRegexParser(regexesPath: string = defaultRegexesPath()): UaRegexParser {
  let regexes: unknown;
  try {
    regexes = yaml.load(readFileSync(regexesPath, 'utf8'));
  } catch (cause) {
    throw new ElError('EL_CONFIG_INVALID', `cannot read user-agent regexes ${regexesPath}`, { cause });
  }
  const r = regexes as Record<string, unknown> | null;
  if (!r || !Array.isArray(r.user_agent_parsers) || !Array.isArray(r.os_parsers) || !Array.isArray(r.device_parsers)) {
    throw new ElError('EL_CONFIG_INVALID', `${regexesPath} is not a uap-core regexes file`);
  }
  const makeParser = require('uap-ref-impl') as (regexes: unknown) => { parse(ua: string): UaRegexResult };
  const parser = makeParser(r);
  return (ua) => parser.parse(ua);
}

/** Options of {@link loadUserAgentParser}. */
export interface LoadUserAgentParserOptions extends UserAgentParserOptions {
  /** A `regexes.yaml` other than uap-core's. */
  readonly regexesPath?: string;
}

/** The ready-to-inject `%u` converter: uap-core regexes + the domain's sanitising and LRU cache. */
export function loadUserAgentParser(options: LoadUserAgentParserOptions = {}): UserAgentParser {
  return createUserAgentParser(loadUaRegexParser(options.regexesPath), options);
}
