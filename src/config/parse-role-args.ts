import { parseArgs, type ParseArgsConfig } from 'node:util';
import { hostname } from 'node:os';
import { ElError } from '../domain/errors.js';
import { parseUri, type EndpointUri } from '../domain/config/uri.js';
import type { ConsumerConfig, IntakeConfig, LakeConfig, ProcessorConfig, RoleConfig, RoleKind } from '../domain/config/role-config.js';
import { validateRoleConfig } from './validate-role-config.js';

const schemaOptions = {
  'schemas-path': { type: 'string' },
  'schema-uri-base': { type: 'string' },
} as const;

function usage(message: string): never {
  throw new ElError('EL_USAGE', message);
}

function uri(arg: string, what: string): EndpointUri {
  try {
    return parseUri(arg);
  } catch (error) {
    throw new ElError('EL_CONFIG_INVALID', `${what}: ${(error as Error).message}`, { cause: error });
  }
}

function int(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) usage(`--${name} must be a whole number, got '${value}'`);
  return Number(value);
}

function parse(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    return usage((error as Error).message);
  }
}

/**
 * `--output-invalid` takes an optional value, which `parseArgs` cannot express: take the next
 * argument as its value only when it is a URI.
 */
function takeOutputInvalid(args: readonly string[]): { rest: string[]; value: string | true | undefined } {
  const rest: string[] = [];
  let value: string | true | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--output-invalid') {
      const next = args[i + 1];
      if (next !== undefined && /^[a-z]+:\/\//.test(next)) {
        value = next;
        i += 1;
      } else value = true;
    } else if (arg.startsWith('--output-invalid=')) value = arg.slice('--output-invalid='.length);
    else rest.push(arg);
  }
  return { rest, value };
}

/** Parses `eventlogging processor` arguments (options may stand before or after positionals). */
export function parseProcessorArgs(args: readonly string[]): ProcessorConfig {
  const { rest, value: invalid } = takeOutputInvalid(args);
  const { values, positionals } = parse(rest, {
    sid: { type: 'string' },
    'valid-mixed-allow': { type: 'string' },
    'valid-mixed-deny': { type: 'string' },
    'max-in-flight': { type: 'string' },
    'check-threads': { type: 'string' },
    ...schemaOptions,
  });
  const [format, input, ...outputs] = positionals;
  if (format === undefined || input === undefined || outputs.length === 0) usage('expected FORMAT INPUT OUTPUT...');
  const v = values as Record<string, string | undefined>;
  return validateRoleConfig({
    kind: 'processor',
    ...(v.sid !== undefined && { sid: v.sid }),
    format,
    input: uri(input, 'INPUT'),
    outputs: outputs.map((o, i) => uri(o, `OUTPUT ${i + 1}`)),
    ...(invalid !== undefined && { outputInvalid: invalid === true ? 'first-output' : uri(invalid, '--output-invalid') }),
    ...(v['valid-mixed-allow'] !== undefined && { validMixedAllow: v['valid-mixed-allow'] }),
    ...(v['valid-mixed-deny'] !== undefined && { validMixedDeny: v['valid-mixed-deny'] }),
    maxInFlight: int(v['max-in-flight'], 'max-in-flight', 5000),
    checkThreads: int(v['check-threads'], 'check-threads', 1),
    ...(v['schemas-path'] !== undefined && { schemasPath: v['schemas-path'] }),
    ...(v['schema-uri-base'] !== undefined && { schemaUriBase: v['schema-uri-base'] }),
  }) as ProcessorConfig;
}

/** Parses `eventlogging consumer` arguments. */
export function parseConsumerArgs(args: readonly string[]): ConsumerConfig {
  const { values, positionals } = parse(args, {
    'error-output': { type: 'string' },
    'bot-policy': { type: 'string' },
    'max-in-flight': { type: 'string' },
    ...schemaOptions,
  });
  const [input, output, ...extra] = positionals;
  if (input === undefined || output === undefined || extra.length > 0) usage('expected INPUT OUTPUT');
  const v = values as Record<string, string | undefined>;
  return validateRoleConfig({
    kind: 'consumer',
    input: uri(input, 'INPUT'),
    output: uri(output, 'OUTPUT'),
    ...(v['error-output'] !== undefined && { errorOutput: uri(v['error-output'], '--error-output') }),
    botPolicy: v['bot-policy'] ?? 'drop-bots',
    maxInFlight: int(v['max-in-flight'], 'max-in-flight', 20000),
    ...(v['schemas-path'] !== undefined && { schemasPath: v['schemas-path'] }),
    ...(v['schema-uri-base'] !== undefined && { schemaUriBase: v['schema-uri-base'] }),
  }) as ConsumerConfig;
}

/** Parses `eventlogging intake` arguments. */
export function parseIntakeArgs(args: readonly string[]): IntakeConfig {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'max-query-length': { type: 'string' },
    'recv-from': { type: 'string' },
    'seq-state': { type: 'string' },
    ...schemaOptions,
  });
  const [output, ...extra] = positionals;
  if (output === undefined || extra.length > 0) usage('expected OUTPUT');
  const v = values as Record<string, string | undefined>;
  return validateRoleConfig({
    kind: 'intake',
    host: v.host ?? '127.0.0.1',
    port: int(v.port, 'port', 8080),
    output: uri(output, 'OUTPUT'),
    maxQueryLength: int(v['max-query-length'], 'max-query-length', 8192),
    recvFrom: v['recv-from'] ?? hostname(),
    ...(v['seq-state'] !== undefined && { seqStatePath: v['seq-state'] }),
    ...(v['schemas-path'] !== undefined && { schemasPath: v['schemas-path'] }),
    ...(v['schema-uri-base'] !== undefined && { schemaUriBase: v['schema-uri-base'] }),
  }) as IntakeConfig;
}

/** Parses `eventlogging lake` arguments. */
export function parseLakeArgs(args: readonly string[]): LakeConfig {
  const { values, positionals } = parse(args, {
    'refine-delay': { type: 'string' },
    'refine-every': { type: 'string' },
    'batch-rows': { type: 'string' },
    'batch-seconds': { type: 'string' },
    'max-in-flight': { type: 'string' },
    'error-output': { type: 'string' },
    ...schemaOptions,
  });
  const [input, output, ...extra] = positionals;
  if (input === undefined || output === undefined || extra.length > 0) usage('expected INPUT OUTPUT');
  const v = values as Record<string, string | undefined>;
  const batchRows = int(v['batch-rows'], 'batch-rows', 10_000);
  return validateRoleConfig({
    kind: 'lake',
    input: uri(input, 'INPUT'),
    output: uri(output, 'OUTPUT'),
    ...(v['error-output'] !== undefined && { errorOutput: uri(v['error-output'], '--error-output') }),
    refineDelaySeconds: int(v['refine-delay'], 'refine-delay', 7200),
    refineEverySeconds: int(v['refine-every'], 'refine-every', 60),
    batchRows,
    batchSeconds: int(v['batch-seconds'], 'batch-seconds', 60),
    maxInFlight: int(v['max-in-flight'], 'max-in-flight', Math.max(20_000, 2 * batchRows)),
    ...(v['schemas-path'] !== undefined && { schemasPath: v['schemas-path'] }),
    ...(v['schema-uri-base'] !== undefined && { schemaUriBase: v['schema-uri-base'] }),
  }) as LakeConfig;
}

/** Parses the arguments of a role of the given config-directory kind. */
export function parseRoleArgs(kind: RoleKind, args: readonly string[]): RoleConfig {
  if (kind === 'processors') return parseProcessorArgs(args);
  if (kind === 'consumers') return parseConsumerArgs(args);
  if (kind === 'lakes') return parseLakeArgs(args);
  return parseIntakeArgs(args);
}
