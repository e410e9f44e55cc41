import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RoleSpec } from '../domain/config/role-config.js';
import type { RoleLagHook } from '../supervision/lag-monitor.js';

/** A role's snapshot for `/status`: its supervisor state and whatever it wants operators to see. */
export interface RoleStatus {
  readonly kind: string;
  readonly name: string;
  /** The role's supervisor state, e.g. `running`, `connecting`, `leader-lost`, `failed`. */
  readonly state: string;
  readonly healthy: boolean;
  readonly ready: boolean;
  /** Why it is failed or not ready, in words an operator can act on (no secret). */
  readonly problem?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What a role gets from the daemon. */
export interface RoleDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  /** A failure the role's own supervisor cannot recover from; the daemon drains and exits non-zero. */
  readonly onFatal: (error: Error) => void;
  /**
   * Lag monitor hook (absent when the daemon runs none): a role that reads Kafka calls
   * `lagMonitor?.watchSource(group, source, brokers)` once its source exists, so its commits are
   * judged with the Burrow rules and its partitions show in `/status`.
   */
  readonly lagMonitor?: RoleLagHook;
}

/** A running role (intake, processor or consumer) under the daemon. */
export interface Role {
  readonly spec: RoleSpec;
  /** Starts the role; resolves once it is started (not necessarily connected: its supervisor retries). */
  start(): Promise<void>;
  /** Drains (finish in-flight work, commit) and stops; resolves when done. */
  stop(): Promise<void>;
  status(): RoleStatus;
}

/** Builds a role from its spec. */
export type RoleFactory = (spec: RoleSpec, deps: RoleDeps) => Role;
