import type { Command } from '../command.js';
import { parseIntakeArgs } from '../../config/parse-role-args.js';
import { runRoleStandalone } from '../run-role.js';
import { createIntake } from '../../roles/intake/intake-role.js';

const help = `usage: eventlogging intake [--port N] [--host H] [--max-query-length N] [--recv-from NAME]
                          [--seq-state FILE] [--schemas-path DIR] [--schema-uri-base URL] OUTPUT

Serves the beacon and server-side event endpoints and produces to OUTPUT, normally
kafka:///127.0.0.1:9092?topic=eventlogging-client-side (stdout:// and file:///path also work).

Endpoints:
  GET|POST /beacon/event?<url-encoded JSON>   204 at once; one raw line per beacon, tab-separated
                                              as '%q %{recvFrom}s %{seqId}d %D %{ip}i %u'.
                                              400 empty query; 414 query longer than
                                              --max-query-length (counted, not produced);
                                              503 output down or backlog full.
  POST /v1/events (application/json)          one event {schema, revision, event, wiki?, webHost?}
                                              or an array; validated at once: 201 all accepted,
                                              207 some (body lists errors by index), 400 none or a
                                              bad body, 503 no schemas configured or output down.
                                              Valid capsules go to eventlogging_<Schema> and
                                              eventlogging-valid-mixed, invalid ones as EventErrors to
                                              eventlogging_EventError, on OUTPUT's brokers.

Options:
  --port N               listen port (default 8080; 0 picks a free one)
  --host H               listen address (default 127.0.0.1)
  --max-query-length N   longest accepted beacon query string, in encoded bytes (default 8192);
                         Node's HTTP parser refuses request heads over 16 KiB with 431 anyway
  --recv-from NAME       the recvFrom written on every line (default: this host's name)
  --seq-state FILE       seqId high-water mark (default .run/intake-<port>.seq under the working
                         directory). Blocks of 10,000 seqIds are reserved and fsynced here before
                         use, so a restart or crash skips ahead and (recvFrom, seqId) - hence the
                         event uuid - never repeats. Give every intake with the same --recv-from
                         its own file, and keep the file with the host.
  --schemas-path DIR     schema repository (<Name>/<revision>.json|.yaml), enables /v1/events
  --schema-uri-base URL  HTTP schema repository, enables /v1/events

OUTPUT URI parameters (Kafka): idempotent=true (idempotent producer), events_topic=T (template,
default eventlogging_{schema}), mixed_topic=T (default eventlogging-valid-mixed),
error_topic=T (default eventlogging_EventError).

Runs until SIGTERM or SIGINT, then stops accepting, produces what is queued and exits 0.
Logs are JSON lines on stdout (stderr when OUTPUT is stdout://); LOG_LEVEL sets the level.
Metrics (eventlogging_intake_*) are served by the daemon's admin API under 'eventlogging run'.`;

/** `eventlogging intake`: one intake role, standalone, until a stop signal. */
export const intakeCommand: Command = {
  name: 'intake',
  summary: 'Serve /beacon/event and /v1/events and produce raw lines to Kafka.',
  help,
  async run(args, io) {
    const config = parseIntakeArgs(args);
    return runRoleStandalone('intakes', config, createIntake, io, config.output.kind === 'stdout');
  },
};
