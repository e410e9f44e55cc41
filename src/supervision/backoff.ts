/**
 * The one backoff policy of every retry the supervisors own (consumer group, database, partition
 * restarts) and the stages that retry a write: capped exponential, no jitter (each retry belongs
 * to one process, so there is no herd to spread).
 */

/** Capped exponential backoff for the nth consecutive failure (n ≥ 1). */
export function backoffDelay(n: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(n - 1, 20)));
}
