/** Records for the lake's unit tests, and a writer with one fixed table shape. */
import { capsuleColumns, eventTypeOf } from '../../../src/domain/lake/lake-columns.js';
import { writeBatchFiles, type BatchLines, type BatchWritten } from '../../../src/lake/batch-writer.js';
import type { Engine } from '../../../src/lake/duckdb.js';

export const EVENT_TYPE = eventTypeOf({
  type: 'object',
  properties: { userID: { type: 'integer' }, action: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } }, blob: { type: 'object' } },
});
export const COLUMNS = capsuleColumns(EVENT_TYPE);

/** A capsule (MobileWikiAppEdit unless `schema`) as its record's JSON; `n` picks its uuid and minute, `dt` its time. */
export function capsule(n: number, event: Record<string, unknown>, dt = `2017-11-20T19:${String(n % 60).padStart(2, '0')}:00Z`, schema = 'MobileWikiAppEdit'): string {
  return JSON.stringify({
    uuid: n.toString(16).padStart(32, '0'), dt, schema, revision: 1,
    wiki: 'enwiki', webHost: 'en.m.wikipedia.org', recvFrom: 'cp1', seqId: n, topic: 't', ip: '198.51.100.7',
    userAgent: { browser_family: 'Firefox', is_bot: false }, event,
  });
}

/** Records' texts as a batch's lines. */
export function batchLines(lines: readonly string[]): BatchLines {
  return { chunks: lines.map((l) => Buffer.from(`${l}\n`)), lines: lines.length };
}

/** Writes records into the lake at `root`, every schema with {@link COLUMNS}. */
export function write(engine: Engine, root: string, name: string, lines: readonly string[]): Promise<BatchWritten> {
  return writeBatchFiles(engine, root, name, batchLines(lines), async () => COLUMNS);
}

/** An hour folder of the test data. */
export const hour19 = (root: string, table = 'mobilewikiappedit') => `${root}/event/${table}/year=2017/month=11/day=20/hour=19`;
