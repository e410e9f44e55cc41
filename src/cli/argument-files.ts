import { readFileSync } from 'node:fs';
import { ElError } from '../domain/errors.js';

/**
 * Expands `@FILE` arguments: each non-empty line of FILE is one argument, as in the original's
 * `/etc/eventlogging.d/<kind>/<name>` files. Lines starting with `#` are comments. Nested `@` files
 * are expanded too (up to a depth that stops cycles).
 */
export function expandArgumentFiles(args: readonly string[], depth = 0): string[] {
  if (depth > 8) throw new ElError('EL_USAGE', 'argument files nest too deeply (a cycle?)');
  return args.flatMap((arg) => {
    if (!arg.startsWith('@') || arg.length === 1) return [arg];
    const path = arg.slice(1);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new ElError('EL_USAGE', `cannot read argument file ${path}: ${(cause as Error).message}`, { cause });
    }
    return expandArgumentFiles(argumentLines(text), depth + 1);
  });
}

/** Splits an argument file's text into arguments: one per line, blank lines and `#` comments skipped. */
export function argumentLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}
