import type { Command } from '../command.js';
import { parseConsumerArgs } from '../../config/parse-role-args.js';
import { createConsumerRole } from '../../roles/consumer/consumer-role.js';
import { runRoleStandalone } from '../run-role.js';

const help = `usage: eventlogging consumer [--schemas-path DIR] [--schema-uri-base URL] [--error-output URI]
                            [--bot-policy drop-bots|keep-all] [--max-in-flight N] INPUT OUTPUT

Writes valid events from Kafka into MySQL/MariaDB tables <Schema>_<revision>, created on first
use from the schema, with a unique key on uuid.

  INPUT   kafka:///HOST:PORT[,HOST:PORT]?topics=eventlogging-valid-mixed&identity=GROUP
  OUTPUT  mysql://USER:PASS@HOST:PORT/DB?batch_size=N&batch_time=S&replace=true|false
          batch_size (default 3000) and batch_time (seconds, default 300) bound each partition's
          batch: whichever comes first flushes it (a timer, not the next event).
          replace=true overwrites a stored row on redelivery (REPLACE INTO); by default a
          redelivered event (same uuid) is skipped and counted as a duplicate.

Delivery: a partition's offset is committed only after its rows are committed in the database,
so a crash loses nothing and the replay it causes inserts nothing twice. A row the database
refuses (a value its column cannot take) is isolated by splitting the batch and written as an
EventError (code consumer) to --error-output (default: topic eventlogging_EventError on INPUT's
brokers); the other rows are stored. While the database is down every partition pauses (nothing
committed, nothing dropped) and reconnects back off up to 10 s; consumption resumes on its own.

Backpressure: --max-in-flight N (default 20000, never below one batch) bounds the records of a
partition read but not yet committed in the database; past it the partition pauses, and it
resumes at half. While the database is down every partition fills to N, and a record held costs
about three times its capsule's size (671 bytes for a 233-byte capsule, measured): with 700-byte
capsules, the default holds about 40 MB a partition. Lower it for consumers of many partitions.

Bots (is_bot and not is_mediawiki) are dropped unless --bot-policy keep-all. The client ip is
never stored. Runs until SIGTERM or SIGINT, then drains (flush, insert, commit) and exits 0.`;

/** `eventlogging consumer`: one MySQL consumer role, standalone, until a stop signal. */
export const consumerCommand: Command = {
  name: 'consumer',
  summary: 'Write valid events from Kafka to MySQL tables, idempotently.',
  help,
  async run(args, io) {
    const config = parseConsumerArgs(args);
    return runRoleStandalone('consumers', config, createConsumerRole, io, false);
  },
};
