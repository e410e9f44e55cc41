/**
 * `eventlogging tail errors`: follows the EventError topic, what operators did with
 * `kafkacat -C -t eventlogging_EventError`, with filters by schema and code and one readable line
 * per error. The filter and the line format are pure; {@link followErrors} is the Kafka side.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaJS } from '@confluentinc/kafka-javascript';

/** Which errors to show. */
export interface ErrorFilter {
  /** The failed event's schema (`event.schema`). */
  readonly schema?: string;
  /** `processor`, `validation`, `consumer` or `replay`. */
  readonly code?: string;
}

/** The parts of an EventError a tail reads; anything else is kept for `--json`. */
interface ErrorView {
  readonly dt?: unknown;
  readonly event?: {
    readonly schema?: unknown; readonly revision?: unknown; readonly code?: unknown; readonly errorCode?: unknown;
    readonly message?: unknown; readonly rawEvent?: unknown;
  };
}

/** Parses a message as an EventError; `undefined` when it is not one (tails skip those). */
export function parseEventError(value: string): ErrorView | undefined {
  try {
    const data: unknown = JSON.parse(value);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
    const event = (data as { event?: unknown }).event;
    if (event === null || typeof event !== 'object' || Array.isArray(event)) return undefined;
    return data as ErrorView;
  } catch {
    return undefined;
  }
}

/** Whether an EventError passes the filter. */
export function matchesFilter(error: ErrorView, filter: ErrorFilter): boolean {
  if (filter.schema !== undefined && error.event?.schema !== filter.schema) return false;
  if (filter.code !== undefined && error.event?.code !== filter.code) return false;
  return true;
}

const str = (v: unknown, fallback = '-'): string => (v === undefined || v === null || v === '' ? fallback : String(v));

/** Control characters (tabs, newlines of raw lines) would break the one-line-per-error layout. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/**
 * One human-readable line: `dt schema rev code errorCode message | raw`, the raw event truncated
 * to `rawWidth` characters (with `…`).
 */
export function formatErrorLine(error: ErrorView, rawWidth = 120): string {
  const e = error.event ?? {};
  const raw = oneLine(str(e.rawEvent, ''));
  const shown = raw.length > rawWidth ? `${raw.slice(0, rawWidth)}…` : raw;
  return `${str(error.dt)} ${str(e.schema)} ${str(e.revision)} ${str(e.code)} ${str(e.errorCode)} ${oneLine(str(e.message))} | ${shown}`;
}

/** What {@link followErrors} needs. */
export interface FollowOptions {
  readonly kafka: KafkaJS.Kafka;
  readonly topic: string;
  readonly filter: ErrorFilter;
  /** Start at the oldest error the broker holds (default: only new errors). */
  readonly fromBeginning: boolean;
  /** Stop after this many matching errors. */
  readonly max?: number;
  /** Called with each matching error: the message value and its parsed view. */
  readonly onError: (value: string, error: ErrorView) => void;
  readonly signal: AbortSignal;
}

/**
 * Follows the topic until `max` matching errors were seen or `signal` aborts. Uses a throwaway
 * consumer group that commits nothing and is deleted at the end: a tail must never move anyone's
 * offsets. Resolves to the number of matching errors.
 */
export async function followErrors(options: FollowOptions): Promise<number> {
  const { kafka, topic, filter, max, onError, signal } = options;
  let seen = 0;
  if (max === 0 || signal.aborted) return 0;
  const groupId = `eventlogging-tail-${randomUUID()}`;
  const consumer = kafka.consumer({
    kafkaJS: { groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, fromBeginning: options.fromBeginning, autoCommit: false },
  });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => { stop = resolve; });
  signal.addEventListener('abort', stop, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (max !== undefined && seen >= max) return;
        const value = message.value?.toString('utf8') ?? '';
        const error = parseEventError(value);
        if (error === undefined || !matchesFilter(error, filter)) return;
        seen += 1;
        onError(value, error);
        if (max !== undefined && seen >= max) stop();
      },
    });
    await stopped;
  } finally {
    signal.removeEventListener('abort', stop);
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect().then(() => admin.deleteGroups([groupId])).catch(() => undefined).finally(() => admin.disconnect().catch(() => undefined));
  }
  return seen;
}
