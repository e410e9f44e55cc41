import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { capsuleUuid } from '../../src/domain/event/uuid.js';

/**
 * A schema repository of its own for one test: one schema with a fresh name (so a fresh table)
 * whose event has a `value` string. Returns the directory and the schema name.
 */
export function freshSchemaDir(prefix = 'T'): { dir: string; schema: string } {
  const dir = mkdtempSync(join(tmpdir(), 'el-schemas-'));
  const schema = `${prefix}${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  mkdirSync(join(dir, schema));
  writeFileSync(join(dir, schema, '1.json'), JSON.stringify({ type: 'object', properties: { value: { type: 'string' } } }));
  return { dir, schema };
}

/** N valid capsules of `schema` revision 1 (default schemas/Test/1) with distinct, deterministic uuids (as the processor would make them). */
export function testCapsules(n: number, prefix = 'c', schema = 'Test'): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => {
    const dt = `2026-11-23T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`;
    const identity = { recvFrom: `test.${prefix}`, seqId: i, dt };
    return {
      event: { value: `${prefix}-${i}` }, schema, revision: 1, wiki: 'testwiki', webHost: 'test.example.org',
      recvFrom: identity.recvFrom, seqId: i, dt, uuid: capsuleUuid(identity), userAgent: null,
    };
  });
}
