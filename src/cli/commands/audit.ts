import { parseArgs } from 'node:util';
import type { DestinationStream } from 'pino';
import type { Command } from '../command.js';
import { ElError } from '../../domain/errors.js';
import { parseKafkaCluster, parseUri } from '../../domain/config/uri.js';
import { formatBucket } from '../../domain/table/audit-compare.js';
import { createLogger } from '../../observability/logger.js';
import { createKafka } from '../../adapters/kafka/kafka-client.js';
import { openOpsConnection } from '../../ops/purge.js';
import { runAudit } from '../../ops/audit.js';

const help = `usage: eventlogging audit --brokers HOST:PORT[,...]|kafka:///HOST:PORT?OPTIONS --mysql mysql://USER:PASS@HOST:PORT/DB
                          [--topic eventlogging-valid-mixed] [--since ISO] [--until ISO]
                          [--by hour|minute] [--schemas-path DIR] [--keep-bots] [--grace-minutes 10]
                          [--timeout SECONDS] [--json]

The end-to-end check of the runbook, automated: per schema and hour (or minute), the events on
the valid topic next to the rows in the table <Schema>_<revision>.

Events: the topic is read from the first message with a timestamp at or after --since (the
broker's time index) until the high watermark, or until messages are more than --grace-minutes
past --until. Each capsule is counted under its schema, revision and the hour (minute) of its dt,
when dt is in [since, until) and the MySQL consumer would keep it: bot user agents other than
MediaWiki are dropped by the consumer, so they are not counted (--keep-bots counts them, for a
consumer run with the keep-all bot policy). --schemas-path counts only schemas in that repository.
Rows: SELECT LEFT(timestamp, 10|12), COUNT(*) over the same range.

Default range: the 24 hours before the start of the current hour. Times are UTC.
Prints one line per schema, revision and bucket (GAP marks fewer rows than events); --json
prints {"gaps", "lines": [{schema, revision, table, bucket, events, rows, missing, gap}]}.
Exit 0 when every event reached the database, 1 on a gap, 2 on a usage mistake.`;

function isoMs(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ElError('EL_USAGE', `--${name} must be an ISO date-time, got '${value}'`);
  return ms;
}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ElError('EL_USAGE', `--${name} must be a whole number, got '${value}'`);
  return Number(value);
}

/** `eventlogging audit`: events on the valid topic against rows in the tables. */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'Compare events on the valid topic with rows in the tables, per schema and hour.',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        brokers: { type: 'string' }, topic: { type: 'string' }, mysql: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' },
        by: { type: 'string' }, 'schemas-path': { type: 'string' }, 'keep-bots': { type: 'boolean' }, 'grace-minutes': { type: 'string' },
        timeout: { type: 'string' }, json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length) throw new ElError('EL_USAGE', `unexpected argument '${positionals[0]}'`);
    if (!values.brokers) throw new ElError('EL_USAGE', '--brokers HOST:PORT[,...] is required');
    if (!values.mysql) throw new ElError('EL_USAGE', '--mysql mysql://USER:PASS@HOST:PORT/DB is required');
    const uri = parseUri(values.mysql);
    if (uri.kind !== 'mysql') throw new ElError('EL_USAGE', '--mysql needs a mysql:// URI');
    const by = values.by ?? 'hour';
    if (by !== 'hour' && by !== 'minute') throw new ElError('EL_USAGE', `--by must be hour or minute, got '${by}'`);
    const hourMs = 3_600_000;
    const untilMs = isoMs(values.until, 'until') ?? Math.floor(Date.now() / hourMs) * hourMs;
    const sinceMs = isoMs(values.since, 'since') ?? untilMs - 24 * hourMs;
    if (sinceMs >= untilMs) throw new ElError('EL_USAGE', '--since must be before --until');
    const cluster = parseKafkaCluster(values.brokers);
    // The Kafka client's own complaints go to stderr as JSON; stdout holds only the report.
    const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'warn', destination: io.stderr as unknown as DestinationStream });
    const kafka = createKafka({ ...cluster, clientId: 'eventlogging-audit' }, logger.child({ component: 'kafka' }));
    const connection = await openOpsConnection(uri);
    try {
      const report = await runAudit({
        kafka, topic: values.topic ?? 'eventlogging-valid-mixed', connection, sinceMs, untilMs, by,
        policy: values['keep-bots'] ? { dropBots: false } : {},
        graceMs: positive(values['grace-minutes'], 'grace-minutes', 10) * 60_000,
        timeoutMs: positive(values.timeout, 'timeout', 120) * 1000,
        ...(values['schemas-path'] ? { schemasPath: values['schemas-path'] } : {}),
        progress: (line) => io.stderr.write(`${line}\n`),
      });
      const gaps = report.lines.filter((l) => l.gap);
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString(), by, gaps: gaps.length, messagesRead: report.messagesRead, skipped: report.skipped, lines: report.lines })}\n`);
      } else {
        io.stdout.write(`${['schema', 'revision', 'bucket', 'events', 'rows', 'missing', ''].join('\t')}\n`);
        for (const l of report.lines) {
          io.stdout.write(`${[l.schema, l.revision, formatBucket(l.bucket), l.events, l.rows, l.missing, l.gap ? 'GAP' : 'ok'].join('\t')}\n`);
        }
        const skipped = Object.entries(report.skipped).map(([k, v]) => `${k} ${v}`).join(', ');
        io.stderr.write(`${report.messagesRead} messages read${skipped ? ` (not counted: ${skipped})` : ''}; ${gaps.length ? `${gaps.length} bucket(s) with missing rows` : 'every event reached the database'}\n`);
      }
      return gaps.length ? 1 : 0;
    } finally {
      await connection.end();
    }
  },
};
