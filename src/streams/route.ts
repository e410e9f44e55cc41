/**
 * Stage `route`: a checked event (a valid capsule, or a failure carrying its EventError input)
 * becomes the messages it must produce: every valid capsule goes to every output whose allow/deny
 * list admits its schema (a topic template such as `eventlogging_{schema}` is filled in per
 * event), and every failure becomes one EventError on the invalid output. Errors are data here:
 * routing never throws, and a record that routes nowhere still yields a (message-less) mark so its
 * offset completes.
 */
import type { EventCapsule } from '../domain/event/capsule.js';
import { makeEventError, EVENT_ERROR_SCHEMA, type EventErrorContext, type EventErrorInput, type MessageSource } from '../domain/event/event-error.js';
import type { OutMessage } from '../adapters/kafka/kafka-producer.js';

/** One output of the processor, as the router sees it. */
export interface RouteOutput {
  /** Index of the output (where the writer sends messages tagged with it). */
  readonly index: number;
  /** Topic, or a template with `{schema}` / `{revision}`; empty for outputs without topics (stdout, files). */
  readonly topic: string;
  /** Only schemas matching `allow` go to this output (valid events only). */
  readonly allow?: RegExp;
  /** Schemas matching `deny` never go to this output (valid events only). */
  readonly deny?: RegExp;
}

/** A message tagged with the output it is for (outputs may live on different brokers or be streams). */
export interface RoutedMessage extends OutMessage {
  readonly output: number;
}

/** A record whose capsule passed validation. */
export interface ValidItem {
  readonly kind: 'valid';
  readonly capsule: EventCapsule;
  readonly source?: MessageSource;
}

/** A record that failed parsing, encapsulation or validation; `error` is the input of `makeEventError`. */
export interface FailedCheck {
  readonly kind: 'failed';
  readonly error: EventErrorInput;
  readonly source?: MessageSource;
}

/** What the route stage takes: a valid capsule or a failure. */
export type Checked = ValidItem | FailedCheck;

/** Dependencies of {@link route} and {@link routeChecked}. */
export interface RouteDeps {
  /** Where valid capsules go (each admitted output gets the capsule). */
  readonly outputs: readonly RouteOutput[];
  /** Where EventErrors go; absent: failures are dropped (the metrics still count them). */
  readonly invalid?: RouteOutput;
  /** Who reports EventErrors, and when (the clock is injected). */
  readonly errorContext: () => EventErrorContext;
  /** Key messages by uuid (replays land on the same partition as the original); default true. */
  readonly keyByUuid?: boolean;
}

/** Characters Kafka refuses in a topic name become `_` (schema names may hold `/`). */
const TOPIC_UNSAFE = /[^a-zA-Z0-9._-]/g;

/**
 * Filled topics by template, schema and revision. Bounded: only schemas the registry compiled
 * (valid capsules) and EventError reach a template.
 */
const filled = new Map<string, Map<string, Map<number, string>>>();

/** Fills `{schema}` and `{revision}` in a topic template; a template-free topic is returned as is. */
export function fillTopic(template: string, schema: string, revision: number): string {
  if (!template.includes('{')) return template;
  let bySchema = filled.get(template);
  if (bySchema === undefined) filled.set(template, (bySchema = new Map()));
  let byRevision = bySchema.get(schema);
  if (byRevision === undefined) bySchema.set(schema, (byRevision = new Map()));
  let topic = byRevision.get(revision);
  if (topic === undefined) {
    topic = template
      .replaceAll('{schema}', schema.replace(TOPIC_UNSAFE, '_'))
      .replaceAll('{revision}', String(revision));
    byRevision.set(revision, topic);
  }
  return topic;
}

/** Whether an output's allow/deny lists admit a schema. */
export function admits(output: RouteOutput, schema: string): boolean {
  if (output.allow !== undefined && !output.allow.test(schema)) return false;
  if (output.deny !== undefined && output.deny.test(schema)) return false;
  return true;
}

/**
 * The messages one checked record produces. The capsule is serialised once and shared by every
 * output (the JSON is the same on each topic). Never throws: the input limits keep every capsule
 * serialisable, and should one still fail (a bug), it becomes an `EL_INTERNAL` EventError instead
 * of ending the partition's stream on a record it would then meet again after every restart.
 */
export function routeChecked(deps: RouteDeps, item: Checked): RoutedMessage[] {
  try {
    return routeUnguarded(deps, item);
  } catch (error) {
    if (item.kind === 'failed' && item.error.errorCode === 'EL_INTERNAL') return [];
    const rawEvent = item.kind === 'failed' ? item.error.rawEvent : '';
    const internal: FailedCheck = {
      kind: 'failed',
      error: {
        code: 'processor', rawEvent, message: `internal error while routing: ${String(error)}`, stage: 'route', errorCode: 'EL_INTERNAL',
        ...(item.kind === 'valid' ? { schema: item.capsule.schema, revision: item.capsule.revision } : {}),
        ...(item.source !== undefined ? { source: item.source } : {}),
      },
      ...(item.source !== undefined ? { source: item.source } : {}),
    };
    try {
      return routeUnguarded(deps, internal);
    } catch {
      return [];
    }
  }
}

function routeUnguarded(deps: RouteDeps, item: Checked): RoutedMessage[] {
  const keyed = deps.keyByUuid ?? true;
  if (item.kind === 'valid') {
    const { capsule } = item;
    const out: RoutedMessage[] = [];
    let value: string | undefined;
    for (const output of deps.outputs) {
      if (!admits(output, capsule.schema)) continue;
      value ??= JSON.stringify(capsule);
      const topic = fillTopic(output.topic, capsule.schema, capsule.revision);
      out.push(keyed ? { output: output.index, topic, value, key: capsule.uuid } : { output: output.index, topic, value });
    }
    return out;
  }
  const target = deps.invalid;
  if (target === undefined) return [];
  const error = makeEventError(item.error, deps.errorContext());
  const topic = fillTopic(target.topic, EVENT_ERROR_SCHEMA, error.revision);
  const value = JSON.stringify(error);
  return [keyed ? { output: target.index, topic, value, key: error.uuid } : { output: target.index, topic, value }];
}
