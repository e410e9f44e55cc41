import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ElError } from '../domain/errors.js';
import { consumerConfigSchema, intakeConfigSchema, processorConfigSchema } from '../domain/config-schema.js';
import { deepFreeze } from '../domain/deep-freeze.js';
import type { RoleConfig } from '../domain/role-config.js';

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
    };
  }
  return validators;
}

const FIELD_TO_ARG: Record<string, string> = {
  schemasPath: '--schemas-path', schemaUriBase: '--schema-uri-base', maxInFlight: '--max-in-flight',
  validMixedAllow: '--valid-mixed-allow', validMixedDeny: '--valid-mixed-deny', outputInvalid: '--output-invalid',
  maxQueryLength: '--max-query-length', recvFrom: '--recv-from', seqStatePath: '--seq-state', botPolicy: '--bot-policy',
  errorOutput: '--error-output', port: '--port', host: '--host', sid: '--sid',
  format: 'FORMAT', input: 'INPUT', output: 'OUTPUT', outputs: 'OUTPUT',
};

function describe(error: ErrorObject): string {
  const field = error.instancePath.split('/').filter(Boolean)[0];
  if (error.keyword === 'anyOf' && error.instancePath === '') return 'one of --schemas-path or --schema-uri-base is required';
  const name = field ? (FIELD_TO_ARG[field] ?? field) : 'arguments';
  return `${name}: ${error.message ?? 'is invalid'}`;
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
  return deepFreeze(config as RoleConfig);
}
