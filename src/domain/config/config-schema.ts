/**
 * JSON schemas of the parsed role configurations. Parsing turns arguments into objects; these
 * schemas then catch every remaining mistake at start, each reported with the field it is in.
 */
const endpoint = { type: 'object', required: ['kind'], properties: { kind: { enum: ['kafka-writer', 'kafka-reader', 'mysql', 'stdin', 'stdout', 'file'] } } } as const;
const schemaSource = {
  schemasPath: { type: 'string', minLength: 1 },
  schemaUriBase: { type: 'string', pattern: '^https?://' },
} as const;

/** Schema of {@link ProcessorConfig}. */
export const processorConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'format', 'input', 'outputs', 'maxInFlight', 'checkThreads'],
  properties: {
    kind: { const: 'processor' },
    sid: { type: 'string', minLength: 1 },
    format: { type: 'string', minLength: 1, pattern: '%' },
    input: { ...endpoint, properties: { kind: { enum: ['kafka-reader', 'stdin', 'file'] } } },
    outputs: { type: 'array', minItems: 1, items: { ...endpoint, properties: { kind: { enum: ['kafka-writer', 'stdout', 'file'] } } } },
    outputInvalid: { oneOf: [{ const: 'first-output' }, { ...endpoint, properties: { kind: { enum: ['kafka-writer', 'stdout', 'file'] } } }] },
    validMixedAllow: { type: 'string', format: 'regex' },
    validMixedDeny: { type: 'string', format: 'regex' },
    maxInFlight: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    checkThreads: { type: 'integer', minimum: 0, maximum: 64 },
    ...schemaSource,
  },
  anyOf: [{ required: ['schemasPath'] }, { required: ['schemaUriBase'] }],
} as const;

/** Schema of {@link ConsumerConfig}. */
export const consumerConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'input', 'output', 'botPolicy', 'maxInFlight'],
  properties: {
    kind: { const: 'consumer' },
    input: { ...endpoint, properties: { kind: { enum: ['kafka-reader', 'stdin', 'file'] } } },
    output: { ...endpoint, properties: { kind: { enum: ['mysql', 'stdout', 'file'] } } },
    errorOutput: { ...endpoint, properties: { kind: { enum: ['kafka-writer', 'stdout', 'file'] } } },
    botPolicy: { enum: ['drop-bots', 'keep-all'] },
    maxInFlight: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    ...schemaSource,
  },
  anyOf: [{ required: ['schemasPath'] }, { required: ['schemaUriBase'] }],
} as const;

/** Schema of {@link IntakeConfig}. */
export const intakeConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'host', 'port', 'output', 'maxQueryLength', 'recvFrom'],
  properties: {
    kind: { const: 'intake' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    output: { ...endpoint, properties: { kind: { enum: ['kafka-writer', 'stdout', 'file'] } } },
    maxQueryLength: { type: 'integer', minimum: 16, maximum: 1_048_576 },
    recvFrom: { type: 'string', pattern: '^[A-Za-z0-9.\\-_]{1,255}$' },
    seqStatePath: { type: 'string', minLength: 1 },
    ...schemaSource,
  },
} as const;

/** Schema of {@link LakeConfig}. */
export const lakeConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'input', 'output', 'refineDelaySeconds', 'refineEverySeconds', 'batchRows', 'batchSeconds', 'maxInFlight'],
  properties: {
    kind: { const: 'lake' },
    input: { ...endpoint, properties: { kind: { const: 'kafka-reader' } } },
    output: { ...endpoint, properties: { kind: { const: 'file' } } },
    errorOutput: { ...endpoint, properties: { kind: { enum: ['kafka-writer', 'stdout', 'file'] } } },
    refineDelaySeconds: { type: 'integer', minimum: 0, maximum: 30 * 86_400 },
    refineEverySeconds: { type: 'integer', minimum: 1, maximum: 86_400 },
    batchRows: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    batchSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
    maxInFlight: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    ...schemaSource,
  },
  anyOf: [{ required: ['schemasPath'] }, { required: ['schemaUriBase'] }],
} as const;
