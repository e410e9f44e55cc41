import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';
import type { Command } from '../command.js';
import { ElError } from '../../domain/errors.js';
import { parseUri, type MysqlUri } from '../../domain/config/uri.js';
import { DEFAULT_RETENTION_DAYS, parseAllowlist, retentionCutoff, type Allowlist } from '../../domain/table/retention.js';
import { openOpsConnection, runPurge } from '../../ops/purge.js';
import { openEngine } from '../../lake/duckdb.js';
import { runLakeRetention } from '../../lake/lake-retention.js';
import type { CommandIo } from '../command.js';

const help = `usage: eventlogging purge --mysql mysql://USER:PASS@HOST:PORT/DB [--days 90] [--allowlist FILE.yaml]
                          [--batch 10000] [--tables REGEX] [--execute] [--json]
       eventlogging purge --lake DIR [--days 90] [--allowlist FILE.yaml] [--execute] [--json]

Applies the data retention policy to every event table (<Schema>_<revision> with id and
timestamp columns) of the database. Rows whose timestamp is older than --days days:
  - tables not on the allow list: deleted;
  - allow-listed tables: every column not listed is set to NULL (id, uuid and timestamp are
    always kept).

The allow list is YAML mapping a table name or a schema name (all its revisions) to the columns
to keep, e.g.
  Edit_13457736: [wiki, event_action]
  NavigationTiming: [wiki, event_responseStart]

Dry run unless --execute: prints, per table, the action and how many rows it would touch.
With --execute, rows are processed in primary-key ranges of --batch ids, each its own
autocommitted statement, with progress on stderr; an interrupted purge continues where it
stopped when run again. --tables limits the run to table names matching REGEX.
--json prints the per-table report as JSON. Exit 0 on success, 2 on a usage mistake.

With --lake DIR (a lake written by \`eventlogging lake\`), the same policy per hourly partition:
every hour of DIR/event that ended --days days ago or more is removed; for a schema on the allow
list it is first rewritten into DIR/event_sanitized, keeping uuid, dt, schema, revision, the
listed capsule columns and the listed event fields (event_<field>, event_<field>_<sub> as the
MySQL columns name them; a listed struct is kept whole). event_sanitized is kept indefinitely.
Dry run unless --execute; each hour done is reported on stderr.`;

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ElError('EL_USAGE', `--${name} must be a whole number ≥ 1, got '${value}'`);
  return Number(value);
}

function loadAllowlist(path: string | undefined): Allowlist {
  if (path === undefined) return new Map();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ElError('EL_CONFIG_INVALID', `--allowlist: cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    return parseAllowlist(yaml.load(text));
  } catch (error) {
    throw new ElError('EL_CONFIG_INVALID', `--allowlist ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Retention on a lake's hourly partitions. */
async function purgeLake(root: string, days: number, allowlist: Allowlist, execute: boolean, json: boolean, io: CommandIo): Promise<number> {
  io.stderr.write(`${execute ? 'purging' : 'dry run (add --execute to purge)'}: hours of ${root}/event that ended ${days} days ago or more\n`);
  const engine = await openEngine();
  try {
    const hours = await runLakeRetention({ engine, root, days, allowlist, execute, nowMs: Date.now(), progress: (line) => io.stderr.write(`${line}\n`) });
    if (json) io.stdout.write(`${JSON.stringify({ days, execute, hours })}\n`);
    else {
      for (const h of hours) io.stdout.write(`${h.hour}\t${h.action}\t${h.files} files\n`);
      if (hours.length === 0) io.stdout.write('no hour is past the retention period\n');
    }
    return 0;
  } finally {
    engine.close();
  }
}

/** `eventlogging purge`: retention (delete or sanitise rows older than N days). */
export const purgeCommand: Command = {
  name: 'purge',
  summary: 'Delete or sanitise rows older than the retention period.',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        mysql: { type: 'string' }, lake: { type: 'string' }, days: { type: 'string' }, allowlist: { type: 'string' }, batch: { type: 'string' },
        tables: { type: 'string' }, execute: { type: 'boolean' }, json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length) throw new ElError('EL_USAGE', `unexpected argument '${positionals[0]}'`);
    if (values.lake !== undefined) {
      if (values.mysql !== undefined) throw new ElError('EL_USAGE', 'either --mysql or --lake, not both');
      return purgeLake(values.lake, positive(values.days, 'days', DEFAULT_RETENTION_DAYS), loadAllowlist(values.allowlist), values.execute ?? false, values.json ?? false, io);
    }
    if (!values.mysql) throw new ElError('EL_USAGE', '--mysql mysql://USER:PASS@HOST:PORT/DB is required');
    const uri = parseUri(values.mysql);
    if (uri.kind !== 'mysql') throw new ElError('EL_USAGE', '--mysql needs a mysql:// URI');
    const days = positive(values.days, 'days', DEFAULT_RETENTION_DAYS);
    const batch = positive(values.batch, 'batch', 10_000);
    let tables: RegExp | undefined;
    try {
      tables = values.tables === undefined ? undefined : new RegExp(values.tables);
    } catch (error) {
      throw new ElError('EL_USAGE', `--tables: ${(error as Error).message}`);
    }
    const allowlist = loadAllowlist(values.allowlist);
    const cutoff = retentionCutoff(Date.now(), days);
    const execute = values.execute ?? false;
    io.stderr.write(`${execute ? 'purging' : 'dry run (add --execute to purge)'}: rows with timestamp < ${cutoff} (${days} days), database ${(uri as MysqlUri).database}\n`);
    const connection = await openOpsConnection(uri);
    try {
      const { tables: reports, allowlistProblems } = await runPurge({
        connection, database: uri.database, cutoff, allowlist, batch, execute, ...(tables ? { tables } : {}),
        progress: (line) => io.stderr.write(`${line}\n`),
      });
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ cutoff, days, execute, tables: reports, allowlistProblems })}\n`);
      } else {
        for (const r of reports) {
          const verb = r.action === 'delete' ? 'delete' : `sanitize (NULL: ${r.nullColumns?.join(', ')})`;
          io.stdout.write(`${r.table}\t${verb}\t${execute ? `${r.affected} rows affected` : `${r.pending} rows would be affected`}\n`);
        }
        if (reports.length === 0) io.stdout.write('no event tables matched\n');
      }
      // An allow-list typo deletes what it meant to keep: name it, and fail, so a cron job pages.
      return allowlistProblems.length > 0 ? 1 : 0;
    } finally {
      await connection.end();
    }
  },
};
