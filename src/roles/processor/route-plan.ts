/**
 * The processor's route plan, from its configuration: which outputs take valid capsules (with
 * their allow/deny lists), and which takes EventErrors. Kept apart from the outputs' writers so
 * the check threads can plan routes without loading the Kafka client (its binding loads in one
 * thread per process only).
 */
import { ElError } from '../../domain/errors.js';
import type { ProcessorConfig } from '../../domain/config/role-config.js';
import type { EndpointUri } from '../../domain/config/uri.js';
import type { RouteOutput } from '../../streams/route.js';

/** The route plan of a processor: which outputs take valid capsules, and which takes EventErrors. */
export interface RoutePlan {
  /** One entry per OUTPUT, in order (index = position). */
  readonly outputs: readonly RouteOutput[];
  readonly invalid?: RouteOutput;
  /** Every endpoint by index: the OUTPUTs, then `--output-invalid URI` when it is a separate one. */
  readonly endpoints: readonly EndpointUri[];
}

function regex(source: string | undefined, what: string): RegExp | undefined {
  if (source === undefined || source === '') return undefined;
  try {
    return new RegExp(source);
  } catch (cause) {
    throw new ElError('EL_CONFIG_INVALID', `${what}: not a regular expression: ${source}`, { cause });
  }
}

function topicOf(uri: EndpointUri, what: string): string {
  if (uri.kind === 'kafka-writer') return uri.topic;
  if (uri.kind === 'stdout' || uri.kind === 'file') return '';
  throw new ElError('EL_CONFIG_INVALID', `${what}: a processor writes to kafka:///...?topic=T, stdout:// or file:///path, not ${uri.kind}`);
}

/**
 * Plans the routes of a processor config. A "mixed" output (its topic has no `{schema}`, e.g.
 * `eventlogging-valid-mixed`, or a stream) applies `--valid-mixed-allow`/`--valid-mixed-deny`;
 * a URI's own `allow=`/`deny=` (or the original's `blacklist=`) parameters override them. Per-schema
 * outputs take every valid capsule. Throws `EL_CONFIG_INVALID` on a bad regex or output kind.
 */
export function planRoutes(config: Pick<ProcessorConfig, 'outputs' | 'outputInvalid' | 'validMixedAllow' | 'validMixedDeny'>): RoutePlan {
  const outputs = config.outputs.map((uri, index): RouteOutput => {
    const what = `OUTPUT ${index + 1}`;
    const topic = topicOf(uri, what);
    const params = uri.kind === 'kafka-writer' ? uri.params : {};
    const mixed = !topic.includes('{schema}');
    const allow = regex(params.allow ?? (mixed ? config.validMixedAllow : undefined), `${what} allow`);
    const deny = regex(params.deny ?? params.blacklist ?? (mixed ? config.validMixedDeny : undefined), `${what} deny`);
    return { index, topic, ...(allow && { allow }), ...(deny && { deny }) };
  });
  const endpoints: EndpointUri[] = [...config.outputs];
  let invalid: RouteOutput | undefined;
  if (config.outputInvalid === 'first-output') {
    invalid = { index: 0, topic: outputs[0]!.topic };
  } else if (config.outputInvalid !== undefined) {
    invalid = { index: endpoints.length, topic: topicOf(config.outputInvalid, '--output-invalid') };
    endpoints.push(config.outputInvalid);
  }
  return { outputs, ...(invalid && { invalid }), endpoints };
}
