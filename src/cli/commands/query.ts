import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { ElError } from '../../domain/errors.js';
import { openEngine } from '../../lake/duckdb.js';
import { attachLake } from '../../lake/lake-query.js';

const help = `usage: eventlogging query --lake DIR [--json] SQL

Runs SQL over a lake written by \`eventlogging lake\`, as the seeds ran it in Hive: every schema
is a table event.<schema> (and event_sanitized.<schema>), EventErrors are event.eventerror, and
year, month, day and hour are columns read from the partition folders. Names are
case-insensitive. For example:

  eventlogging query --lake /srv/lake "SELECT event.userID, count(*) as cnt FROM event.MobileWikiAppEdit
    WHERE year = 2017 AND month = 11 AND day = 20 AND hour = 19 GROUP BY event.userID ORDER BY cnt DESC LIMIT 10"

Prints a table (tab-separated, a header line first), or with --json one JSON object per row.
Exit: 0 done, 2 usage or SQL error.`;

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** `eventlogging query`: SQL over the lake's Parquet partitions. */
export const queryCommand: Command = {
  name: 'query',
  summary: 'Run SQL over the lake (event.<schema> tables, as in Hive).',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args: [...args], options: { lake: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });
    const sql = positionals.join(' ').trim();
    if (!values.lake || sql === '') throw new ElError('EL_USAGE', 'expected --lake DIR and SQL');
    const engine = await openEngine();
    try {
      await attachLake(engine, values.lake);
      let rows: Record<string, unknown>[];
      try {
        rows = await engine.all(sql);
      } catch (error) {
        throw new ElError('EL_USAGE', `query failed: ${(error as Error).message}`);
      }
      if (values.json) {
        for (const row of rows) io.stdout.write(`${JSON.stringify(row)}\n`);
      } else if (rows.length > 0) {
        const names = Object.keys(rows[0]!);
        io.stdout.write(`${names.join('\t')}\n`);
        for (const row of rows) io.stdout.write(`${names.map((n) => cell(row[n])).join('\t')}\n`);
      }
      return 0;
    } finally {
      engine.close();
    }
  },
};
