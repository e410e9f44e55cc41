import type { Observable } from 'rxjs';
import type { Logger } from 'pino';

/** One message read from a partition. Offsets fit in a double for any realistic topic (< 2^53). */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: Buffer | null;
  /** Broker/producer timestamp, ms. */
  readonly timestamp: number;
}

/**
 * A completion mark: every record of the partition up to and including `offset` is durable
 * downstream (produced and acknowledged, or inserted and committed), and `count` records were
 * completed by this mark. Marks must arrive in offset order.
 */
export interface Completed {
  readonly offset: number;
  readonly count: number;
}

/** What a partition's pipeline knows about where it runs. */
export interface PartitionContext {
  readonly topic: string;
  readonly partition: number;
  readonly logger: Logger;
}

/**
 * A role's processing for one partition: records in, completion marks out. The pipeline never
 * errors for a bad record (bad records become EventErrors); an error from it means the role's
 * infrastructure failed, and the supervisor restarts the partition.
 */
export type PartitionPipeline = (records: Observable<KafkaRecord>, context: PartitionContext) => Observable<Completed>;
