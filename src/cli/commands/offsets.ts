import { answeringUsageErrors } from '../usage-errors.js';
import { parseArgs } from 'node:util';
import type { Command, CommandIo } from '../command.js';
import { ElError } from '../../domain/errors.js';
import { parseDatetime, parseOffsetList, parseShift, type OffsetTargetSpec } from '../../domain/kafka/offset-targets.js';
import { parseKafkaCluster, type KafkaCluster } from '../../domain/config/uri.js';
import { createLogger } from '../../observability/logger.js';
import { formatOffsetsReport, runOffsets, type OffsetsRequest } from '../../ops/offsets.js';

const USAGE = `eventlogging offsets show  --brokers HOST:PORT[,...] --group G --topic T [--json]
       eventlogging offsets reset --brokers HOST:PORT[,...] --group G --topic T
                                  (--to-datetime ISO | --to-offset P:O,... | --shift-by N |
                                   --to-earliest | --to-latest) [--execute] [--json]`;

const HELP = `usage: ${USAGE}

Shows or moves a consumer group's committed offsets on one topic: the runbook's offset-reset
script (and its kafkacat look-ups) as one command.

show    per partition: the committed offset, the log start and end, the lag (log end minus
        committed) and the dt of the event at the committed offset (where the group resumes).
reset   computes a target per partition, prints the plan (partition, current, target, log edges,
        dt of the event at the target) and, with --execute, commits it. Targets outside the log
        are moved to its start or end (marked *).

Targets (reset, exactly one):
  --to-datetime ISO     first offset with a timestamp at or after ISO (e.g. 2018-03-08T13:00:00Z;
                        no zone means UTC); the log end where there is none
  --to-offset P:O,...   these partitions to these offsets; other partitions do not move
  --shift-by N          N from the committed offset (negative goes back; without a commit,
                        from the log start)
  --to-earliest         the log start (replay everything the broker still holds)
  --to-latest           the log end (skip everything not yet consumed)

Options:
  --brokers HOST:PORT[,...]  bootstrap brokers; for TLS or SASL, a Kafka URI without topics:
                             kafka:///HOST:PORT?security.protocol=sasl_ssl&sasl.mechanism=...
                             (the roles' client options; passwords from sasl.password.file or .env)
  --group G                  consumer group (the identity= of the consumer's INPUT URI)
  --topic T                  topic, e.g. eventlogging-valid-mixed
  --execute                  commit the targets (without it: a dry run that changes nothing)
  --json                     print the report as one JSON document
  -h, --help                 show this help

A reset is refused while the group has live members (its state is not Empty or Dead): a running
consumer would overwrite the new offsets with its next commit. Stop the consumer first
(systemctl stop eventlogging: SIGTERM to the daemon), reset, then start it again; the
tables' unique key on uuid absorbs the replayed duplicates.

Exit: 0 done (dry run or committed), 1 refused (live members), 2 usage error.`;

function usage(message: string): never {
  throw new ElError('EL_USAGE', message);
}

/** Turns the flags into a request; throws `EL_USAGE`. */
export function parseOffsetsArgs(args: readonly string[]): { action: 'show' | 'reset'; cluster: KafkaCluster; group: string; topic: string; json: boolean; reset?: OffsetsRequest['reset'] } {
  const [action, ...rest] = args;
  if (action !== 'show' && action !== 'reset') usage(action === undefined ? 'missing subcommand (show or reset)' : `unknown subcommand '${action}' (show or reset)`);
  // `--shift-by -169000` is how operators write it; parseArgs would take -169000 for an option.
  const joined: string[] = [];
  for (let i = 0; i < rest.length; i += 1) {
    if (rest[i] === '--shift-by' && /^-\d+$/.test(rest[i + 1] ?? '')) {
      joined.push(`--shift-by=${rest[i + 1]}`);
      i += 1;
    } else joined.push(rest[i]!);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: joined,
      options: {
        brokers: { type: 'string' }, group: { type: 'string' }, topic: { type: 'string' },
        'to-datetime': { type: 'string' }, 'to-offset': { type: 'string' }, 'shift-by': { type: 'string' },
        'to-earliest': { type: 'boolean' }, 'to-latest': { type: 'boolean' }, execute: { type: 'boolean' }, json: { type: 'boolean' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const v = parsed.values;
  for (const name of ['brokers', 'group', 'topic'] as const) if (!v[name]) usage(`--${name} is required`);
  const base = { action: action as 'show' | 'reset', cluster: parseKafkaCluster(v.brokers!), group: v.group!, topic: v.topic!, json: v.json ?? false };
  const targets: OffsetTargetSpec[] = [];
  let datetime: number | undefined;
  if (v['to-datetime'] !== undefined) datetime = parseDatetime(v['to-datetime']);
  if (v['to-offset'] !== undefined) targets.push({ kind: 'offsets', offsets: parseOffsetList(v['to-offset']) });
  if (v['shift-by'] !== undefined) targets.push({ kind: 'shift', by: parseShift(v['shift-by']) });
  if (v['to-earliest']) targets.push({ kind: 'earliest' });
  if (v['to-latest']) targets.push({ kind: 'latest' });
  const count = targets.length + (datetime === undefined ? 0 : 1);
  if (action === 'show') {
    if (count > 0 || v.execute) usage('show takes no target and no --execute (use reset)');
    return base;
  }
  if (count !== 1) usage('reset needs exactly one of --to-datetime, --to-offset, --shift-by, --to-earliest, --to-latest');
  const spec = datetime !== undefined ? { kind: 'datetime' as const, timestampMs: datetime } : targets[0]!;
  return { ...base, reset: { spec, execute: v.execute ?? false } };
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const options = parseOffsetsArgs(args);
  const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'warn', destination: io.stderr as never });
  try {
    const endpoint = { ...options.cluster, clientId: 'eventlogging-offsets' };
    const report = await runOffsets({ endpoint, logger, group: options.group, topic: options.topic, ...(options.reset && { reset: options.reset }) });
    io.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatOffsetsReport(report));
    if (report.refused && options.json) {
      io.stderr.write(`eventlogging offsets: refusing to reset: group ${options.group} has live members (state ${report.state})\n`);
    }
    return report.refused ? 1 : 0;
  } finally {
    logger.flush();
  }
}

/** `eventlogging offsets show|reset`: a consumer group's position, and the runbook's offset reset. */
export const offsetsCommand: Command = {
  name: 'offsets',
  summary: 'Show or reset a consumer group\'s offsets (dry run unless --execute).',
  help: HELP,
  run: answeringUsageErrors('offsets', USAGE, run),
};
