import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { CommittedOffset } from '../../supervision/lag-monitor-api.js';

/** Reads broker heads and committed offsets through one lazily connected admin client. */
export function kafkaLagIo(kafka: KafkaJS.Kafka): {
  fetchHeads: (topic: string) => Promise<ReadonlyMap<number, number>>;
  fetchGroupOffsets: (group: string) => Promise<readonly CommittedOffset[]>;
  close: () => Promise<void>;
} {
  let admin: Promise<KafkaJS.Admin> | undefined;
  const connected = (): Promise<KafkaJS.Admin> => {
    admin ??= (async () => {
      const a = kafka.admin();
      try {
        await a.connect();
        return a;
      } catch (error) {
        // Forget the failed client so the next poll tries again.
        admin = undefined;
        throw error;
      }
    })();
    return admin;
  };
  return {
    async fetchHeads(topic) {
      const offsets = await (await connected()).fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    },
    async fetchGroupOffsets(group) {
      const topics = await (await connected()).fetchOffsets({ groupId: group });
      // A partition without a commit may carry librdkafka's "invalid" offset (-1001): report -1.
      return topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: Math.max(-1, Number(p.offset)) })));
    },
    async close() {
      const a = admin;
      admin = undefined;
      if (a) await (await a.catch(() => undefined))?.disconnect().catch(() => undefined);
    },
  };
}
