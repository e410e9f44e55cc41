import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { ElError } from '../../domain/errors.js';
import type { SchemaLoader } from '../../domain/schema/schema-registry.js';
import { schemaPathSegments } from './schema-path.js';

/** File extensions tried in order; the first that exists wins. */
const EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

/**
 * A schema loader reading `<dir>/<Name>/<revision>.json` (else `.yaml`, else `.yml`).
 * A missing file rejects with `EL_SCHEMA_NOT_FOUND`, an unparsable one with `EL_SCHEMA_INVALID`.
 */
export function directoryLoader(dir: string): SchemaLoader {
  return async (name, revision) => {
    const base = join(dir, ...schemaPathSegments(name, revision), String(revision));
    for (const ext of EXTENSIONS) {
      const path = `${base}${ext}`;
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        throw new ElError('EL_SCHEMA_NOT_FOUND', `cannot read schema ${name}/${revision} from ${path}: ${(cause as Error).message}`, { cause, details: { schema: name, revision, path } });
      }
      try {
        // CORE_SCHEMA: plain YAML scalars only, so a date-like string stays a string as in JSON.
        return ext === '.json' ? JSON.parse(text) as unknown : yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: path });
      } catch (cause) {
        throw new ElError('EL_SCHEMA_INVALID', `schema ${name}/${revision} in ${path} does not parse: ${(cause as Error).message}`, { cause, details: { schema: name, revision, path } });
      }
    }
    throw new ElError('EL_SCHEMA_NOT_FOUND', `no schema ${name}/${revision} in ${dir}`, { details: { schema: name, revision } });
  };
}
