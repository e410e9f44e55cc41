/**
 * The regular-expression engine for schema `pattern` and `patternProperties`: RE2 (re2js, a
 * pure-JavaScript port), whose matching time is linear in the input. A schema comes from a
 * repository, but its patterns run on client text: with the backtracking engine, `^(a+)+$` took
 * 1.7 s on 28 characters. Patterns RE2 cannot run (lookaround, backreferences) make the schema
 * invalid, with a message saying so, rather than run unbounded. Patterns of our own (the
 * capsule's) are known to be linear and keep the native engine, which is faster per call.
 */
import { RE2JS } from 're2js';

/** What ajv's `code.regExp` option takes (ajv does not export the type from its entry point). */
interface RegExpLike {
  test(text: string): boolean;
}
export type RegExpEngine = ((pattern: string, flags: string) => RegExpLike) & { code: string };

/** Builds the engine; `trusted` patterns use the native engine. */
export function linearRegExpEngine(trusted: ReadonlySet<string>): RegExpEngine {
  const engine = ((pattern: string, flags: string): RegExpLike => {
    if (trusted.has(pattern)) return new RegExp(pattern, flags);
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (error) {
      throw new Error(`pattern ${JSON.stringify(pattern)} cannot run in linear time (${(error as Error).message}); lookaround and backreferences are not supported`);
    }
    // ajv shares compiled patterns by their text: give each its own.
    const like: RegExpLike = { test: (text: string) => compiled.test(text) };
    like.toString = () => `re2:${pattern}`;
    return like;
  }) as RegExpEngine;
  engine.code = 'linearRegExp';
  return engine;
}
