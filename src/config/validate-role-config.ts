import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ElError } from '../domain/errors.js';
import { consumerConfigSchema, intakeConfigSchema, lakeConfigSchema, processorConfigSchema } from '../domain/config/config-schema.js';
import { deepFreeze } from '../domain/config/deep-freeze.js';
import { statSync } from 'node:fs';
import { compileFormat } from '../domain/event/format-string.js';
import type { RoleConfig } from '../domain/config/role-config.js';
import type { UserAgentParser } from '../domain/event/user-agent.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

let validators: Record<RoleConfig['kind'], ValidateFunction> | undefined;

function compiled(): Record<RoleConfig['kind'], ValidateFunction> {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    validators = {
      processor: ajv.compile(processorConfigSchema),
      consumer: ajv.compile(consumerConfigSchema),
      intake: ajv.compile(intakeConfigSchema),
      lake: ajv.compile(lakeConfigSchema),
    };
  }
  return validators;
}

const FIELD_TO_ARG: Record<string, string> = {
  schemasPath: '--schemas-path', schemaUriBase: '--schema-uri-base', maxInFlight: '--max-in-flight', checkThreads: '--check-threads',
  validMixedAllow: '--valid-mixed-allow', validMixedDeny: '--valid-mixed-deny', outputInvalid: '--output-invalid',
  maxQueryLength: '--max-query-length', recvFrom: '--recv-from', seqStatePath: '--seq-state', botPolicy: '--bot-policy',
  refineDelaySeconds: '--refine-delay', refineEverySeconds: '--refine-every', batchRows: '--batch-rows', batchSeconds: '--batch-seconds',
  errorOutput: '--error-output', port: '--port', host: '--host', sid: '--sid',
  format: 'FORMAT', input: 'INPUT', output: 'OUTPUT', outputs: 'OUTPUT',
};

function describe(error: ErrorObject): string {
  const field = error.instancePath.split('/').filter(Boolean)[0];
  if (error.keyword === 'anyOf' && error.instancePath === '') return 'one of --schemas-path or --schema-uri-base is required';
  const name = field ? (FIELD_TO_ARG[field] ?? field) : 'arguments';
  return `${name}: ${error.message ?? 'is invalid'}`;
}

/** Stands in for uap-core when only the FORMAT's syntax is checked (loading its regexes is slow). */
const anyUserAgent: UserAgentParser = () => ({ ok: false, code: 'EL_USER_AGENT_TOO_LONG', message: 'not parsed while checking a FORMAT' });

/**
 * What the schema cannot say: the FORMAT compiles, `--schemas-path` is a directory, and a
 * consumer reads Kafka and writes MySQL (any other pair passed the schema and then crashed).
 */
function semanticProblems(config: RoleConfig): string[] {
  const problems: string[] = [];
  if (config.kind === 'processor') {
    try {
      compileFormat(config.format, { userAgent: anyUserAgent });
    } catch (error) {
      problems.push(`FORMAT: ${(error as Error).message}`);
    }
  }
  if (config.kind === 'consumer') {
    if (config.input.kind !== 'kafka-reader') problems.push('INPUT: a consumer reads kafka:///BROKERS?topics=TOPIC&identity=GROUP');
    if (config.output.kind !== 'mysql') problems.push('OUTPUT: a consumer writes mysql://USER@HOST/DATABASE');
  }
  const path = (config as { schemasPath?: string }).schemasPath;
  if (path !== undefined && statSync(path, { throwIfNoEntry: false })?.isDirectory() !== true) {
    problems.push(`--schemas-path: ${path} is not a directory`);
  }
  return problems;
}

/**
 * Validates a parsed role configuration once, at start. Every problem is listed, each naming the
 * argument it comes from; the result is deep-frozen.
 */
export function validateRoleConfig(config: unknown): RoleConfig {
  const kind = (config as { kind?: RoleConfig['kind'] }).kind;
  const validate = kind ? compiled()[kind] : undefined;
  if (!validate) throw new ElError('EL_CONFIG_INVALID', `unknown role kind '${String(kind)}'`);
  if (!validate(config)) {
    const messages = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describe))];
    throw new ElError('EL_CONFIG_INVALID', messages.join('; '), { details: { errors: messages } });
  }
  const problems = semanticProblems(config as RoleConfig);
  if (problems.length > 0) throw new ElError('EL_CONFIG_INVALID', problems.join('; '), { details: { errors: problems } });
  return deepFreeze(config as RoleConfig);
}
