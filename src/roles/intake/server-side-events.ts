import type { Logger } from 'pino';
import type { IntakeConfig } from '../../domain/config/role-config.js';
import type { CapsuleValidation } from '../../domain/schema/schema-registry.js';
import type { UserAgentParser } from '../../domain/event/user-agent.js';
import { encapsulate, type EventCapsule } from '../../domain/event/capsule.js';
import { checkJsonLimits, DEFAULT_INPUT_LIMITS } from '../../domain/event/input-limits.js';
import { makeEventError, validationFailureKind } from '../../domain/event/event-error.js';
import type { ErrorCode } from '../../domain/errors.js';
import type { AcceptedEvent, ServerSideEvents, ServerSideMeta } from '../../adapters/http/intake-app.js';
import { registryFromConfig } from '../../adapters/schemas/registry-from-config.js';
import { loadUserAgentParser } from '../../adapters/user-agent/load-regexes.js';
import type { IntakeOutput } from './raw-output.js';

/** Topics server-side events go to; `{schema}` in `events` is replaced by the schema name. */
export interface ServerSideTopics {
  readonly events: string;
  readonly mixed: string;
  readonly errors: string;
}

/** The design's topics (§7). */
export const DEFAULT_SERVER_SIDE_TOPICS: ServerSideTopics = Object.freeze({
  events: 'eventlogging_{schema}',
  mixed: 'eventlogging-valid-mixed',
  errors: 'eventlogging_EventError',
});

/** What {@link createServerSideEvents} needs; all of it injected. */
export interface ServerSideEventsDeps {
  readonly validateCapsule: (capsule: EventCapsule) => Promise<CapsuleValidation>;
  /** Parses the user agent (the event's own `userAgent` string if it has one, else the request's). */
  readonly parseUserAgent: UserAgentParser;
  readonly sendTopics: NonNullable<IntakeOutput['sendTopics']>;
  readonly topics?: ServerSideTopics;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The `/v1/events` half of the intake: each submitted object becomes a capsule stamped with this
 * intake's recvFrom, a seqId from the intake's allocator and dt = now (a client cannot choose them,
 * nor the uuid that derives from them), is validated against its schema, and goes to its schema
 * topic and the mixed topic; anything else becomes an EventError (code `validation`) on the
 * error topic, so a rejected server-side event can be found and replayed like a client-side one.
 */
export function createServerSideEvents(deps: ServerSideEventsDeps): ServerSideEvents {
  const topics = deps.topics ?? DEFAULT_SERVER_SIDE_TOPICS;

  const rejected = (input: unknown, meta: ServerSideMeta, errorCode: ErrorCode, stage: string, message: string, hints: { schema?: string; revision?: number; wiki?: string } = {}): AcceptedEvent => {
    let rawEvent: string;
    try {
      rawEvent = JSON.stringify(input) ?? String(input);
    } catch {
      rawEvent = String(input);
    }
    const error = makeEventError(
      { code: validationFailureKind(errorCode), rawEvent, message, errorCode, stage, ...hints },
      { recvFrom: meta.recvFrom, dt: meta.dt },
    );
    return { kind: 'invalid', error: error as unknown as Readonly<Record<string, unknown>>, message };
  };

  return {
    async accept(input, meta) {
      if (!isPlainObject(input)) return rejected(input, meta, 'EL_VALIDATION_FAILED', 'capsule', 'an event must be a JSON object');
      // The same limits as a raw line's capsule: nothing later (validation, serialising, MySQL)
      // meets a value it cannot handle in bounded time and stack.
      const limit = checkJsonLimits(input);
      if (limit !== undefined) return rejected(input, meta, 'EL_INPUT_LIMIT', 'decode', `event is over a limit: ${limit.message}`);
      const size = Buffer.byteLength(JSON.stringify(input));
      if (size > DEFAULT_INPUT_LIMITS.maxLineBytes) {
        return rejected(input, meta, 'EL_INPUT_LIMIT', 'decode', `event is ${size} bytes, longer than ${DEFAULT_INPUT_LIMITS.maxLineBytes}`);
      }
      if (input.userAgent !== undefined && input.userAgent !== null && typeof input.userAgent !== 'string') {
        return rejected(input, meta, 'EL_VALIDATION_FAILED', 'user-agent', 'userAgent is not a string');
      }
      // An empty user agent in the event says nothing when the request has its own (as in the processor).
      const uaText = typeof input.userAgent === 'string' && (input.userAgent !== '' || meta.userAgent === undefined) ? input.userAgent : meta.userAgent;
      let userAgent: unknown = null;
      // `-` is an absent header; an empty user agent is parsed (all "Other"), as the processor does.
      if (uaText !== undefined && uaText !== '-') {
        const parsed = deps.parseUserAgent(uaText);
        if (!parsed.ok) return rejected(input, meta, parsed.code, 'user-agent', parsed.message);
        userAgent = parsed.value;
      }
      // Identity fields come last: the intake's, whatever the client sent.
      const built = encapsulate({ ...input, userAgent, recvFrom: meta.recvFrom, seqId: meta.seqId, dt: meta.dt, ip: undefined, topic: undefined });
      if (!built.ok) {
        return rejected(input, meta, built.code, 'capsule', built.message, {
          ...(built.schema !== undefined && { schema: built.schema }),
          ...(built.revision !== undefined && { revision: built.revision }),
          ...(built.wiki !== undefined && { wiki: built.wiki }),
        });
      }
      const capsule = built.capsule;
      // A capsule says "no user agent" with null, which the capsule schema does not (yet) allow:
      // validate without the field rather than reject every server-side event sent without one.
      const { userAgent: ua, ...withoutUa } = capsule;
      const result = await deps.validateCapsule(ua === null ? (withoutUa as EventCapsule) : capsule);
      if (!result.ok) {
        return rejected(input, meta, result.code, 'validate', result.message, {
          schema: capsule.schema, revision: capsule.revision, ...(capsule.wiki !== undefined && { wiki: capsule.wiki }),
        });
      }
      return { kind: 'valid', capsule: capsule as unknown as Readonly<Record<string, unknown>> };
    },
    async produce(valid, invalid) {
      const bySchema = new Map<string, string[]>();
      const mixed: string[] = [];
      for (const capsule of valid) {
        const json = JSON.stringify(capsule);
        const topic = topics.events.replaceAll('{schema}', String(capsule.schema));
        const list = bySchema.get(topic) ?? [];
        list.push(json);
        bySchema.set(topic, list);
        mixed.push(json);
      }
      await deps.sendTopics([
        ...[...bySchema].map(([topic, values]) => ({ topic, values })),
        { topic: topics.mixed, values: mixed },
        { topic: topics.errors, values: invalid.map((e) => JSON.stringify(e)) },
      ]);
    },
  };
}

/**
 * Wires {@link createServerSideEvents} from an intake's configuration: the schema registry of
 * `--schemas-path`/`--schema-uri-base`, uap-core's user agents, and the topics of the output URI
 * (`events_topic`, `mixed_topic`, `error_topic`). Undefined, with the reason logged, when there
 * are no schemas or the output is not Kafka: `/v1/events` then answers 503.
 */
export function serverSideEventsFromConfig(config: IntakeConfig, output: IntakeOutput, logger: Logger): ServerSideEvents | undefined {
  if (!config.schemasPath && !config.schemaUriBase) {
    logger.info('no --schemas-path or --schema-uri-base: /v1/events is disabled');
    return undefined;
  }
  if (!output.sendTopics || config.output.kind !== 'kafka-writer') {
    logger.info('output is not Kafka: /v1/events is disabled');
    return undefined;
  }
  const registry = registryFromConfig(config);
  const params = config.output.params;
  return createServerSideEvents({
    validateCapsule: (capsule) => registry.validateCapsule(capsule),
    parseUserAgent: loadUserAgentParser(),
    sendTopics: output.sendTopics,
    topics: {
      events: params.events_topic ?? DEFAULT_SERVER_SIDE_TOPICS.events,
      mixed: params.mixed_topic ?? DEFAULT_SERVER_SIDE_TOPICS.mixed,
      errors: params.error_topic ?? DEFAULT_SERVER_SIDE_TOPICS.errors,
    },
  });
}
