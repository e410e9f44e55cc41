import { createReadStream } from 'node:fs';
import type { Command } from '../command.js';
import { parseProcessorArgs } from '../../config/parse-role-args.js';
import { createLogger } from '../../observability/logger.js';
import { createRegistry } from '../../observability/metrics.js';
import { createProcessor } from '../../roles/processor/processor-role.js';
import { createProcessorCore } from '../../roles/processor/processor-core.js';
import { createProcessorMetrics } from '../../roles/processor/processor-metrics.js';
import { openProcessorOutputs } from '../../roles/processor/processor-outputs.js';
import { runPipeProcessor } from '../../roles/processor/pipe-processor.js';

const help = `usage: eventlogging processor [--sid ID] [--output-invalid [URI]] [--valid-mixed-allow REGEX]
                             [--valid-mixed-deny REGEX] [--max-in-flight N] [--check-threads N]
                             [--schemas-path DIR] [--schema-uri-base URL] FORMAT INPUT OUTPUT...

Parses raw event lines with FORMAT, validates each capsule against its schema revision and
writes every valid capsule (JSON) to every OUTPUT; events that fail become EventErrors.

FORMAT   e.g. '%q %{recvFrom}s %{seqId}d %D %{ip}i %u' (production). Specifiers: %q query-string
         capsule, %j JSON capsule, %t ISO time -> timestamp, %D ISO time -> dt, %u user agent,
         %o omitted, %{name}s string, %{name}i tab-delimited string, %{name}d integer.
INPUT    kafka:///HOST:PORT?topics=eventlogging-client-side&identity=GROUP (runs until SIGTERM,
         then drains: every record read is produced and its offset committed), stdin:// or
         file:///path (processes every line, writes, exits 0 at end of input).
OUTPUT   kafka:///HOST:PORT?topic=eventlogging_{schema} ({schema} and {revision} are filled in per
         event), kafka:///HOST:PORT?topic=eventlogging-valid-mixed, stdout:// or file:///path
         (appended); one JSON document per line. Messages to Kafka are keyed by uuid.

Options:
  --sid ID                   the processor's name; recvFrom of its EventErrors
  --output-invalid [URI]     where EventErrors go (normally
                             kafka:///HOST:PORT?topic=eventlogging_EventError); without a URI,
                             to the first OUTPUT (a {schema} template gives eventlogging_EventError).
                             Without the flag, failures are only counted and logged.
  --valid-mixed-allow REGEX  on outputs without {schema} in the topic (valid-mixed, streams):
  --valid-mixed-deny REGEX   only / never schemas matching REGEX. A Kafka OUTPUT's own allow=,
                             deny= (or blacklist=) parameters override these.
  --max-in-flight N          records per partition read but not yet acknowledged before the
                             partition is paused (default 5000)
  --check-threads N          threads that parse, validate and route, beside the one that drives
                             Kafka (default 1; 0 does everything on that one, e.g. on one core).
                             A Kafka INPUT only.
  --schemas-path DIR         schema repository (<Name>/<revision>.json|.yaml)
  --schema-uri-base URL      HTTP schema repository (<URL>/<Name>/<revision>.json)

Logs are JSON lines on stderr; LOG_LEVEL sets the level. Exit: 0 done, 2 usage or config error.`;

/** `eventlogging processor`: a pipe over stdin/files, or one processor role on Kafka until a stop signal. */
export const processorCommand: Command = {
  name: 'processor',
  summary: 'Parse, validate, encapsulate and route raw event lines.',
  help,
  async run(args, io) {
    const config = parseProcessorArgs(args);
    // Capsules may go to stdout: logs never do.
    const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'info', destination: io.stderr as never });
    const registry = createRegistry();
    try {
      if (config.input.kind === 'kafka-reader') {
        const role = createProcessor({ kind: 'processors', name: config.sid ?? 'processor', file: '<command line>', config }, {
          logger: logger.child({ role: `processors/${config.sid ?? 'processor'}` }),
          registry,
          onFatal: (error) => logger.fatal({ err: error }, 'processor failed'),
        }, { stdout: io.stdout });
        const stopped = new Promise<void>((resolve) => {
          if (io.stopSignal.aborted) resolve();
          else io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
        });
        await role.start();
        await stopped;
        logger.info('stopping processor');
        await role.stop();
        return role.status().state === 'failed' ? 1 : 0;
      }
      if (config.input.kind !== 'stdin' && config.input.kind !== 'file') {
        io.stderr.write(`eventlogging processor: INPUT must be kafka:///...?topics=T&identity=G, stdin:// or file:///path\n`);
        return 2;
      }
      const core = createProcessorCore(config);
      const writer = await openProcessorOutputs(core.plan, { logger, clientId: `eventlogging-processor-${config.sid ?? 'pipe'}`, stdout: io.stdout });
      const input = config.input.kind === 'stdin' ? io.stdin : createReadStream(config.input.path!);
      try {
        const summary = await runPipeProcessor({ core, input, writer, metrics: createProcessorMetrics(registry, config.sid ?? 'pipe'), signal: io.stopSignal });
        logger.info(summary, 'processor input done');
      } finally {
        await writer.close();
      }
      return 0;
    } finally {
      logger.flush();
    }
  },
};
