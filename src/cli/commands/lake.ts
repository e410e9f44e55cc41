import type { Command } from '../command.js';
import { parseLakeArgs } from '../../config/parse-role-args.js';
import { createLakeRole } from '../../lake/lake-role.js';
import { runRoleStandalone } from '../run-role.js';

const help = `usage: eventlogging lake [--schemas-path DIR] [--schema-uri-base URL] [--refine-delay S]
                        [--refine-every S] [--batch-rows N] [--batch-seconds S] [--max-in-flight N]
                        [--error-output URI] INPUT OUTPUT

Writes capsules and EventErrors from Kafka into a lake of hourly Parquet partitions, the layout
of the seeds' Hive tables: OUTPUT/event/<schema>/year=Y/month=M/day=D/hour=H/ (schema folders in
lower case; EventErrors in event/eventerror). Columns: the capsule's fields, dt as a timestamp,
userAgent and event as structs typed from the event's schema (event.userID works in SQL); the
client ip is never stored. Query it with \`eventlogging query --lake OUTPUT SQL\`.

  INPUT   kafka:///HOST:PORT?topics=eventlogging-valid-mixed,eventlogging_EventError&identity=GROUP
          (per-schema topics work too)
  OUTPUT  file:///path/to/lake

Delivery: each partition's rows are gathered (--batch-rows, default 10000, or --batch-seconds
after the batch's first record, default 60; at most 64 MB a batch) and written as part files per table and hour, written aside and renamed into place;
the offsets are committed only after that, so a crash or a replay never loses a row. An hour is
refined (its parts merged into one data.parquet, one row per uuid) once it has been over for
--refine-delay seconds (default 7200); a late event reopens its hour and it is refined again.
Refining is looked at every --refine-every seconds (default 60). --max-in-flight N (default
twice --batch-rows, at least 20000) bounds a partition's records read but not yet in a file; past
it the partition pauses. Records that cannot be rows become EventErrors (code consumer, stage
lake, with their topic, partition and offset) on --error-output (default: topic
eventlogging_EventError on INPUT's brokers), written before their offsets are committed and
counted in eventlogging_lake_events_rejected_total by errorCode: EL_PARSE_FAILED (a tombstone, a
record holding a line break, or one not starting a JSON object), EL_VALIDATION_FAILED (not JSON,
or without a valid schema name, revision, uuid, canonical dt and object event),
EL_SCHEMA_NOT_FOUND (a schema the repository lacks). Runs until SIGTERM or SIGINT, then drains
(write, commit) and exits 0.`;

/** `eventlogging lake`: one lake consumer role, standalone, until a stop signal. */
export const lakeCommand: Command = {
  name: 'lake',
  summary: 'Write events from Kafka into hourly Parquet partitions (Hive layout).',
  help,
  async run(args, io) {
    return runRoleStandalone('lakes', parseLakeArgs(args), createLakeRole, io, false);
  },
};
