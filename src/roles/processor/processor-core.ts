/**
 * What every processor (a daemon role or a pipe) is built from, assembled once per role from its
 * configuration: the compiled FORMAT, the schema registry (directory and/or HTTP repository,
 * validators cached), the route plan and the EventError context.
 */
import { hostname } from 'node:os';
import { compileFormat } from '../../domain/event/format-string.js';
import type { ProcessorConfig } from '../../domain/config/role-config.js';
import { createSchemaRegistry, type SchemaLoader, type SchemaRegistry } from '../../domain/schema/schema-registry.js';
import { ElError } from '../../domain/errors.js';
import type { UserAgentParser } from '../../domain/event/user-agent.js';
import { chainLoaders } from '../../adapters/schemas/chain-loaders.js';
import { directoryLoader } from '../../adapters/schemas/directory-loader.js';
import { httpLoader } from '../../adapters/schemas/http-loader.js';
import { loadUserAgentParser } from '../../adapters/user-agent/load-regexes.js';
import type { RouteDeps } from '../../streams/route.js';
import { createMessageChecker, type MessageChecker } from './check-message.js';
import { planRoutes, type RoutePlan } from './route-plan.js';

/** Seams of {@link createProcessorCore}; production uses the defaults. */
export interface ProcessorCoreOptions {
  /** Wall clock (ms) for the `dt` of EventErrors and the registry's failure cache. */
  readonly clock?: () => number;
  /** The `%u` converter (default: uap-core's regexes, loaded once here). */
  readonly userAgent?: UserAgentParser;
  /** Replaces the loaders built from `--schemas-path`/`--schema-uri-base`. */
  readonly loader?: SchemaLoader;
  /** recvFrom of EventErrors (default: `--sid`, else this host's name). */
  readonly recvFrom?: string;
}

/** A processor's domain side, ready to process messages. */
export interface ProcessorCore {
  readonly check: MessageChecker;
  readonly plan: RoutePlan;
  readonly route: RouteDeps;
  readonly registry: SchemaRegistry;
  /** Whether a schema name may be a metric label (it compiled from the repository). */
  known(schema: string, revision: number): boolean;
}

/** The schema loader a processor config asks for; with no source every event fails `EL_SCHEMA_NOT_FOUND`. */
export function schemaLoaderFor(config: Pick<ProcessorConfig, 'schemasPath' | 'schemaUriBase'>): SchemaLoader {
  const loaders: SchemaLoader[] = [];
  if (config.schemasPath !== undefined) loaders.push(directoryLoader(config.schemasPath));
  if (config.schemaUriBase !== undefined) loaders.push(httpLoader(config.schemaUriBase));
  return chainLoaders(...loaders);
}

/** `2013-01-19T23:16:38Z`: the capsule's `dt` shape (seconds, `Z`). */
function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * Builds a processor's domain side. Throws `EL_CONFIG_INVALID` for a bad FORMAT, a bad allow/deny
 * regex or an output a processor cannot write to: configuration mistakes are found at start.
 */
export function createProcessorCore(config: ProcessorConfig, options: ProcessorCoreOptions = {}): ProcessorCore {
  const clock = options.clock ?? Date.now;
  const userAgent = options.userAgent ?? loadUserAgentParser();
  const parseLine = compileFormat(config.format, { userAgent });
  const registry = createSchemaRegistry({ load: options.loader ?? schemaLoaderFor(config), now: clock });
  const plan = planRoutes(config);
  if (plan.outputs.length === 0) throw new ElError('EL_CONFIG_INVALID', 'a processor needs at least one OUTPUT');
  const recvFrom = options.recvFrom ?? config.sid ?? hostname();
  const known = (schema: string, revision: number): boolean =>
    registry.peek(schema, revision) !== undefined || registry.knownSchemas().includes(schema);
  return {
    check: createMessageChecker({ parseLine, registry }),
    plan,
    route: {
      outputs: plan.outputs,
      ...(plan.invalid && { invalid: plan.invalid }),
      errorContext: () => ({ recvFrom, dt: isoSeconds(clock()) }),
    },
    registry,
    known,
  };
}
