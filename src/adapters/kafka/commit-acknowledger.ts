import type { KafkaConsumer, LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { ElError } from '../../domain/errors.js';
import { classifyError } from '../../supervision/classify-error.js';
import { withCode } from './kafka-client.js';

/** Longest wait for the coordinator to answer a commit (librdkafka's own request timeout is 60 s). */
const COMMIT_TIMEOUT_MS = 30_000;

/** A commit waiting for the coordinator's answer. */
interface CommitWaiter {
  readonly offset: number;
  readonly settle: (error?: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The binding's callback commit, which its type declarations omit (lib/kafka-consumer.js). */
interface CommitCb {
  commitCb(offsets: Array<{ topic: string; partition: number; offset: number }>, cb: (error: LibrdKafkaError | null) => void): void;
}

/** Commits that resolve when the group coordinator has them, not when the client queued them. */
export interface CommitAcknowledger {
  /** Commits one partition's offset; resolves once the coordinator accepted it. */
  commit(consumer: KafkaConsumer, topic: string, partition: number, offset: number): Promise<void>;
  /** The consumer's `offset.commit` listener (served by its poll loop): settles the commits it names. */
  onOffsetCommit(error: LibrdKafkaError | null | undefined, offsets: ReadonlyArray<{ topic: string; partition: number; offset?: number }>): void;
  /** Fails every commit still waiting (nothing serves answers once polling stopped). */
  failAll(why: string): void;
}

/**
 * The binding's commitCb answers when the commit is queued, not when the broker has it; the
 * outcome comes through the consumer's offset_commit_cb, matched here by partition and offset.
 */
export function createCommitAcknowledger(): CommitAcknowledger {
  const waiters = new Map<string, CommitWaiter[]>();
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  return {
    commit(consumer, topic, partition, offset) {
      return new Promise<void>((resolve, reject) => {
        const k = key(topic, partition);
        const waiter: CommitWaiter = {
          offset,
          settle: (error) => {
            clearTimeout(waiter.timer);
            const list = waiters.get(k);
            if (list) {
              list.splice(list.indexOf(waiter), 1);
              if (list.length === 0) waiters.delete(k);
            }
            if (error) reject(error);
            else resolve();
          },
          timer: setTimeout(() => waiter.settle(new ElError('EL_TIMEOUT', `commit of ${topic}/${partition} at ${offset}: no answer from the group coordinator within ${COMMIT_TIMEOUT_MS} ms`)), COMMIT_TIMEOUT_MS),
        };
        const list = waiters.get(k) ?? [];
        list.push(waiter);
        waiters.set(k, list);
        try {
          (consumer as unknown as CommitCb).commitCb([{ topic, partition, offset }], (error: LibrdKafkaError | null) => {
            if (error) waiter.settle(classifyError(error, 'kafka'));
          });
        } catch (error) {
          waiter.settle(classifyError(error, 'kafka'));
        }
      });
    },
    onOffsetCommit(error, offsets) {
      for (const tp of offsets ?? []) {
        if (tp.offset === undefined) continue;
        // A later offset accepted covers earlier ones still waiting on the same partition.
        for (const waiter of [...(waiters.get(key(tp.topic, tp.partition)) ?? [])]) {
          if (error ? waiter.offset === tp.offset : waiter.offset <= tp.offset) waiter.settle(error ? classifyError(withCode(error), 'kafka') : undefined);
        }
      }
    },
    failAll(why) {
      for (const list of [...waiters.values()]) {
        for (const waiter of [...list]) waiter.settle(new ElError('EL_KAFKA_UNAVAILABLE', why));
      }
    },
  };
}
