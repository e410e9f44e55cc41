import { answeringUsageErrors } from '../usage-errors.js';
import { parseArgs } from 'node:util';
import type { Command, CommandIo } from '../command.js';
import { ElError } from '../../domain/errors.js';
import { parseKafkaCluster } from '../../domain/config/uri.js';
import { createKafka } from '../../adapters/kafka/kafka-client.js';
import { createLogger } from '../../observability/logger.js';
import { assertTopicExists } from '../../ops/offsets.js';
import { followErrors, formatErrorLine } from '../../ops/tail-errors.js';

const CODES = ['processor', 'validation', 'consumer', 'replay'] as const;

const USAGE = 'eventlogging tail errors --brokers HOST:PORT[,...] [--topic eventlogging_EventError] [--schema S] [--code processor|validation|consumer|replay] [--json] [--from-beginning] [--max N]';

const HELP = `usage: ${USAGE}

Follows the EventError topic (what operators did with kafkacat -C -t eventlogging_EventError)
and prints each error as one line:

  dt schema revision code errorCode message | raw event (truncated to 120 characters)

Options:
  --brokers HOST:PORT[,...]  bootstrap brokers; for TLS or SASL, a Kafka URI without topics:
                             kafka:///HOST:PORT?security.protocol=sasl_ssl&... (as in offsets)
  --topic T                  the EventError topic (default eventlogging_EventError)
  --schema S                 only errors of events of schema S
  --code C                   only errors of one kind: processor (unparsable raw line, or its
                             schema could not be had), validation
                             (invalid against its schema), consumer (rejected by the database),
                             replay (still failing after a replay)
  --json                     print each error as the JSON document it is on the topic
  --from-beginning           start at the oldest error the broker still holds (default: only
                             errors that arrive from now on)
  --max N                    stop after N matching errors
  -h, --help                 show this help

Runs until --max is reached or it is interrupted (Ctrl-C). It reads as a throwaway consumer
group that commits nothing, so it never moves another reader's offsets.
Exit: 0 done, 2 usage error.`;

function usage(message: string): never {
  throw new ElError('EL_USAGE', message);
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const [what, ...rest] = args;
  if (what !== 'errors') usage(what === undefined ? 'missing what to tail (errors)' : `unknown '${what}': only 'tail errors' exists`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        brokers: { type: 'string' }, topic: { type: 'string', default: 'eventlogging_EventError' }, schema: { type: 'string' },
        code: { type: 'string' }, json: { type: 'boolean' }, 'from-beginning': { type: 'boolean' }, max: { type: 'string' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const v = parsed.values;
  if (!v.brokers) usage('--brokers is required');
  const cluster = parseKafkaCluster(v.brokers);
  if (v.code !== undefined && !(CODES as readonly string[]).includes(v.code)) usage(`--code must be one of ${CODES.join(', ')}, got '${v.code}'`);
  if (v.max !== undefined && !/^\d+$/.test(v.max)) usage(`--max must be a whole number, got '${v.max}'`);
  const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'warn', destination: io.stderr as never });
  try {
    const kafka = createKafka({ ...cluster, clientId: 'eventlogging-tail' }, logger);
    await assertTopicExists(kafka, v.topic!);
    await followErrors({
      kafka,
      topic: v.topic!,
      filter: { ...(v.schema !== undefined && { schema: v.schema }), ...(v.code !== undefined && { code: v.code }) },
      fromBeginning: v['from-beginning'] ?? false,
      ...(v.max !== undefined && { max: Number(v.max) }),
      onError: (value, error) => io.stdout.write(`${v.json ? value : formatErrorLine(error)}\n`),
      signal: io.stopSignal,
    });
    return 0;
  } finally {
    logger.flush();
  }
}

/** `eventlogging tail errors`: follows the EventError topic, filtered by schema and code. */
export const tailCommand: Command = {
  name: 'tail',
  summary: 'Follow the EventError topic, filtered by schema and code.',
  help: HELP,
  run: answeringUsageErrors('tail', USAGE, run),
};
