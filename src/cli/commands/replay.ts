import { answeringUsageErrors } from '../usage-errors.js';
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command, CommandIo } from '../command.js';
import { ElError, isElError } from '../../domain/errors.js';
import type { ProcessorConfig } from '../../domain/config/role-config.js';
import { parseUri, type EndpointUri } from '../../domain/config/uri.js';
import { createKafka } from '../../adapters/kafka/kafka-client.js';
import { createLogger } from '../../observability/logger.js';
import { createProcessorCore } from '../../roles/processor/processor-core.js';
import { openProcessorOutputs } from '../../roles/processor/processor-outputs.js';
import { replayKafka, replayStream, type ReplayDeps } from '../../ops/replay.js';

/** The production raw-line FORMAT, the default for replaying `processor`/`validation` errors. */
export const PRODUCTION_FORMAT = '%q %{recvFrom}s %{seqId}d %D %{ip}i %u';

const USAGE = 'eventlogging replay [--schemas-path DIR] [--schema-uri-base URL] [--format FMT] [--output-invalid URI] [--sid ID] INPUT OUTPUT...';

const HELP = `usage: ${USAGE}

Re-processes the rawEvent of EventErrors once their cause is fixed (a schema corrected, a
column widened) and writes the events that are now valid, as capsules, to every OUTPUT.

  code processor, validation   rawEvent is a raw line: parsed with FORMAT, encapsulated and
                               validated exactly as the processor does (same uuid).
  code consumer                rawEvent is a capsule a consumer could not insert: re-validated
                               and written as it is (same uuid, so the table's unique key
                               absorbs any overlap with rows already stored).
  code replay                  an earlier replay's failure: handled as its rawEvent says.

What still fails becomes an EventError with code replay (its original topic, partition and
offset kept) on --output-invalid, by default the first OUTPUT (a {schema} template gives
eventlogging_EventError). Lines that are not EventErrors are skipped and logged.

INPUT   kafka:///HOST:PORT?topics=eventlogging_EventError&identity=GROUP: reads as GROUP from
        its committed offsets (the start of the topic for a new group) up to the end of the
        partitions as they were at start, committing as it goes, then stops;
        file:///path or stdin://: one EventError JSON per line, until the end of input.
OUTPUT  kafka:///HOST:PORT?topic=eventlogging_{schema} (or eventlogging-valid-mixed, so the
        MySQL consumers insert them), stdout:// or file:///path.

Options:
  --schemas-path DIR       schema repository (<Name>/<revision>.json|.yaml), with the fix
  --schema-uri-base URL    HTTP schema repository
  --format FMT             FORMAT of the raw lines (default: '${PRODUCTION_FORMAT}')
  --output-invalid URI     where EventErrors of what still fails go (default: first OUTPUT)
  --sid ID                 recvFrom of those EventErrors (default: this host's name)
  -h, --help               show this help

Prints the counts (read, replayed, still failing, skipped) on stderr.
Exit: 0 everything replayed, 1 some events still fail, 2 usage or config error.`;

function usage(message: string): never {
  throw new ElError('EL_USAGE', message);
}

function endpoint(text: string, what: string): EndpointUri {
  try {
    return parseUri(text);
  } catch (error) {
    return usage(`${what}: ${(error as Error).message}`);
  }
}

/** Parses `eventlogging replay` arguments into a processor configuration; throws `EL_USAGE`. */
export function parseReplayArgs(args: readonly string[]): ProcessorConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        'schemas-path': { type: 'string' }, 'schema-uri-base': { type: 'string' }, format: { type: 'string' },
        'output-invalid': { type: 'string' }, sid: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const [inputText, ...outputTexts] = parsed.positionals;
  if (inputText === undefined || outputTexts.length === 0) usage('needs INPUT and at least one OUTPUT');
  const input = endpoint(inputText, 'INPUT');
  if (input.kind !== 'kafka-reader' && input.kind !== 'stdin' && input.kind !== 'file') {
    usage('INPUT must be kafka:///HOST:PORT?topics=T&identity=G, stdin:// or file:///path');
  }
  const outputs = outputTexts.map((o, i) => endpoint(o, `OUTPUT ${i + 1}`));
  const v = parsed.values;
  if (v['schemas-path'] === undefined && v['schema-uri-base'] === undefined) usage('needs --schemas-path DIR and/or --schema-uri-base URL');
  return {
    kind: 'processor',
    format: v.format ?? PRODUCTION_FORMAT,
    input,
    outputs,
    outputInvalid: v['output-invalid'] === undefined ? 'first-output' : endpoint(v['output-invalid'], '--output-invalid'),
    maxInFlight: 1000,
    checkThreads: 0,
    ...(v.sid !== undefined && { sid: v.sid }),
    ...(v['schemas-path'] !== undefined && { schemasPath: v['schemas-path'] }),
    ...(v['schema-uri-base'] !== undefined && { schemaUriBase: v['schema-uri-base'] }),
  };
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const config = parseReplayArgs(args);
  // Capsules may go to stdout: logs never do.
  const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'warn', destination: io.stderr as never });
  try {
    let core;
    try {
      core = createProcessorCore(config);
    } catch (error) {
      if (isElError(error) && error.code === 'EL_CONFIG_INVALID') usage(error.message);
      throw error;
    }
    const writer = await openProcessorOutputs(core.plan, { logger, clientId: 'eventlogging-replay', stdout: io.stdout });
    const deps: ReplayDeps = {
      core,
      writer,
      onSkipped: (reason, line) => logger.warn({ reason, line: line.slice(0, 200) }, 'input is not an EventError: skipped'),
    };
    let summary;
    try {
      const input = config.input;
      if (input.kind === 'kafka-reader') {
        const endpoint = { brokers: input.brokers, clientId: 'eventlogging-replay', client: input.client };
        summary = await replayKafka(deps, createKafka(endpoint, logger), input.topics, input.identity, io.stopSignal);
      } else {
        const stream = input.kind === 'stdin' ? io.stdin : createReadStream((input as { path?: string }).path!);
        summary = await replayStream(deps, stream, io.stopSignal);
      }
    } finally {
      await writer.close();
    }
    io.stderr.write(`replay: ${summary.read} read, ${summary.replayed} replayed, ${summary.stillFailing} still failing, ${summary.skipped} skipped (not EventErrors)\n`);
    return summary.stillFailing > 0 ? 1 : 0;
  } finally {
    logger.flush();
  }
}

/** `eventlogging replay INPUT OUTPUT...`: re-processes the rawEvent of EventErrors. */
export const replayCommand: Command = {
  name: 'replay',
  summary: 'Re-process the rawEvent of EventErrors (after a schema or table fix).',
  help: HELP,
  run: answeringUsageErrors('replay', USAGE, run),
};
