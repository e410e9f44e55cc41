import type { Commit } from './partition-status.js';

/**
 * One partition's window in Burrow's alert format,
 * `topic:partition (timestamp, start-offset, start-lag) -> (timestamp, end-offset, end-lag)`,
 * the line operators paste from an alert e-mail. An unknown lag prints as `?`.
 */
export function formatWindow(topic: string, partition: number | string, start: Commit | null, end: Commit | null): string {
  const entry = (c: Commit | null): string =>
    c === null ? '(none)' : `(${c.timestamp}, ${c.offset}, ${c.lag === null ? '?' : c.lag})`;
  return `${topic}:${partition} ${entry(start)} -> ${entry(end)}`;
}
