/**
 * Reads the message at given offsets, one per partition: what the runbook did by hand with
 * `kafkacat -p P -o O -c 1` before committing a reset, to see which `dt` an offset stands for.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaJS } from '@confluentinc/kafka-javascript';

/** One message read back: its offset (the first at or after the asked one) and value. */
export interface MessageAt {
  readonly offset: number;
  readonly value: string;
}

/**
 * For each (partition → offset) asks for the first message at or after that offset. Partitions
 * whose offset is at the log end (`high`) have nothing to read and are left out of the answer, as
 * are partitions with nothing within `timeoutMs`. Uses a throwaway consumer group that commits
 * nothing and is deleted afterwards, so the group being reset is never touched.
 */
export async function readAtOffsets(
  kafka: KafkaJS.Kafka,
  topic: string,
  wanted: ReadonlyArray<{ readonly partition: number; readonly offset: number; readonly high: number }>,
  timeoutMs = 15_000,
): Promise<Map<number, MessageAt>> {
  const found = new Map<number, MessageAt>();
  const todo = new Map(wanted.filter((w) => w.offset < w.high).map((w) => [w.partition, w.offset]));
  if (todo.size === 0) return found;
  const groupId = `eventlogging-peek-${randomUUID()}`;
  const consumer = kafka.consumer({
    kafkaJS: { groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, fromBeginning: true, autoCommit: false },
  });
  let done!: () => void;
  const allFound = new Promise<void>((resolve) => { done = resolve; });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    // Seeks before the group assigns the partitions are kept and applied at the assignment.
    for (const [partition, offset] of todo) consumer.seek({ topic, partition, offset: String(offset) });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch }) => {
        const from = todo.get(batch.partition);
        if (from === undefined || found.has(batch.partition)) {
          // Nothing (more) wanted from this partition: stop fetching it.
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          return;
        }
        const message = batch.messages.find((m) => Number(m.offset) >= from);
        if (message === undefined) return;
        found.set(batch.partition, { offset: Number(message.offset), value: message.value?.toString('utf8') ?? '' });
        consumer.pause([{ topic, partitions: [batch.partition] }]);
        if (found.size === todo.size) done();
      },
    });
    await Promise.race([allFound, new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    // The peek group committed nothing; deleting it keeps `kafka-consumer-groups --list` clean.
    await admin.connect().then(() => admin.deleteGroups([groupId])).catch(() => undefined).finally(() => admin.disconnect().catch(() => undefined));
  }
  return found;
}
