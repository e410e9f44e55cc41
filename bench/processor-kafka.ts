/**
 * Kafka-to-Kafka processor throughput: a raw topic is filled with a generated log, then one
 * processor role (in this process) reads it and produces the capsules to per-schema topics,
 * valid-mixed and EventError (acks -1), committing raw offsets behind the acks. Prints events/s
 * from the first record received to the last offset committed, next to the domain-only rate
 * measured in the same run, their ratio, and the peak RSS. Needs the broker of `scripts/kafka up`.
 * The measurement itself is `runProcessorKafka` in bench/lib (also used by bench/all.ts).
 *
 *   node --import tsx bench/processor-kafka.ts [EVENTS] [PARTITIONS]
 */
import { runProcessorKafka } from './lib/processor-kafka-run.js';

const count = Number(process.argv[2] ?? 200_000);
const partitions = Number(process.argv[3] ?? 4);
const r = await runProcessorKafka(count, partitions);
process.stdout.write(
  `processor Kafka->Kafka: ${count} events over ${partitions} partitions in ${r.seconds.toFixed(2)} s = ${Math.round(r.eventsPerSec)} events/s; ` +
  `domain only ${Math.round(r.domainEventsPerSec)} events/s; ratio ${r.ratioToDomain.toFixed(2)}; peak RSS ${r.peakRssMb.toFixed(0)} MiB\n`,
);
