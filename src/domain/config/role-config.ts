import type { EndpointUri } from './uri.js';

/** The kinds of role a daemon runs; also the config sub-directory names. */
export const ROLE_KINDS = ['intakes', 'processors', 'consumers', 'lakes'] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

/** Where schemas come from: a directory and/or an HTTP base URL. */
export interface SchemaSource {
  readonly schemasPath?: string;
  readonly schemaUriBase?: string;
}

/** `eventlogging processor` arguments, parsed. */
export interface ProcessorConfig extends SchemaSource {
  readonly kind: 'processor';
  readonly sid?: string;
  readonly format: string;
  readonly input: EndpointUri;
  readonly outputs: readonly EndpointUri[];
  /** Where EventErrors go; `first-output` when the flag had no value; absent when not asked for. */
  readonly outputInvalid?: EndpointUri | 'first-output';
  /** Schemas allowed on (or denied from) eventlogging-valid-mixed, as a regex source. */
  readonly validMixedAllow?: string;
  readonly validMixedDeny?: string;
  /** Bound on produce requests waiting for acknowledgement, per partition (backpressure). */
  readonly maxInFlight: number;
  /** Threads that parse, validate and route, beside the one driving Kafka (0: that one does it all). */
  readonly checkThreads: number;
}

/** `eventlogging consumer` arguments, parsed. */
export interface ConsumerConfig extends SchemaSource {
  readonly kind: 'consumer';
  readonly input: EndpointUri;
  readonly output: EndpointUri;
  /** Where rows the database rejects go as EventErrors (code `consumer`). */
  readonly errorOutput?: EndpointUri;
  /** `drop-bots` drops is_bot && !is_mediawiki as the original did; `keep-all` keeps everything. */
  readonly botPolicy: 'drop-bots' | 'keep-all';
  /**
   * Bound on records per partition read but not yet committed in the database (backpressure);
   * never below one batch.
   */
  readonly maxInFlight: number;
}

/** `eventlogging intake` arguments, parsed. */
export interface IntakeConfig extends SchemaSource {
  readonly kind: 'intake';
  readonly host: string;
  readonly port: number;
  readonly output: EndpointUri;
  /** Beacons with a longer (still encoded) query string are counted and dropped. */
  readonly maxQueryLength: number;
  /** The recvFrom written on every raw line: this intake's host name. */
  readonly recvFrom: string;
  /** File holding the seqId high-water mark, so (recvFrom, seqId) stays unique across restarts. */
  readonly seqStatePath?: string;
}

/** `eventlogging lake` arguments, parsed. */
export interface LakeConfig extends SchemaSource {
  readonly kind: 'lake';
  /** Capsule topics (per-schema or valid-mixed) and/or the EventError topic. */
  readonly input: EndpointUri;
  /** `file:///path`: the lake's root. */
  readonly output: EndpointUri;
  /** Where records that cannot be rows go as EventErrors (default: INPUT's cluster, `eventlogging_EventError`). */
  readonly errorOutput?: EndpointUri;
  /** How long after its end an hour is refined (late events reopen it). */
  readonly refineDelaySeconds: number;
  /** How often hours are looked at for refining. */
  readonly refineEverySeconds: number;
  /** Rows per partition gathered into one part file, at most... */
  readonly batchRows: number;
  /** ...or what arrived in this many seconds. */
  readonly batchSeconds: number;
  /** Records per partition read but not yet in a written file before the partition pauses. */
  readonly maxInFlight: number;
}

/** Any role's configuration. */
export type RoleConfig = ProcessorConfig | ConsumerConfig | IntakeConfig | LakeConfig;

/** A role as configured in `DIR/<kind>/<name>`. */
export interface RoleSpec {
  readonly kind: RoleKind;
  readonly name: string;
  readonly file: string;
  readonly config: RoleConfig;
}
