import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ElError } from '../domain/errors.js';
import { ROLE_KINDS, type RoleKind, type RoleSpec } from '../domain/config/role-config.js';
import { argumentLines, expandArgumentFiles } from '../cli/argument-files.js';
import { parseRoleArgs } from './parse-role-args.js';

/**
 * Loads every role file `DIR/<kind>/<name>` (kinds: intakes, processors, consumers), one argument
 * per line as in `/etc/eventlogging.d`. All mistakes are collected and reported together, each
 * naming its file, so a bad deploy is fixed in one pass rather than one restart per mistake.
 */
export function loadConfigDir(dir: string): readonly RoleSpec[] {
  const problems: string[] = [];
  const specs: RoleSpec[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (cause) {
    throw new ElError('EL_CONFIG_INVALID', `cannot read config dir ${dir}: ${(cause as Error).message}`, { cause });
  }
  for (const entry of entries.sort()) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (!(ROLE_KINDS as readonly string[]).includes(entry)) {
      problems.push(`${path}: unknown role kind '${entry}' (expected ${ROLE_KINDS.join(', ')})`);
      continue;
    }
    for (const name of readdirSync(path).sort()) {
      const file = join(path, name);
      if (name.startsWith('.') || !statSync(file).isFile()) continue;
      try {
        const args = expandArgumentFiles(argumentLines(readFileSync(file, 'utf8')));
        specs.push({ kind: entry as RoleKind, name, file, config: parseRoleArgs(entry as RoleKind, args) });
      } catch (error) {
        problems.push(`${file}: ${(error as Error).message}`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ElError('EL_CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  if (specs.length === 0) throw new ElError('EL_CONFIG_INVALID', `no roles in ${dir}: expected files in ${ROLE_KINDS.map((k) => `${dir}/${k}/`).join(', ')}`);
  return Object.freeze(specs);
}
