import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConsumerArgs, parseLakeArgs, parseProcessorArgs } from '../../../src/config/parse-role-args.js';
import { validateRoleConfig } from '../../../src/config/validate-role-config.js';

const KAFKA_IN = 'kafka:///127.0.0.1:9092?topics=eventlogging-valid-mixed&identity=g';
const MYSQL_OUT = 'mysql://root:@127.0.0.1:3306/test?batch_size=1000&batch_time=1';

/** The ElError a parse throws, with its code and message, or a failure when it does not throw. */
function errorOf(parse: () => unknown): { code: string; message: string } {
  try {
    parse();
  } catch (error) {
    return error as { code: string; message: string };
  }
  return assert.fail('expected the arguments to be refused');
}

test('consumer --max-in-flight defaults to 20000 and takes an explicit bound', () => {
  assert.equal(parseConsumerArgs([KAFKA_IN, MYSQL_OUT, '--schemas-path', 'schemas']).maxInFlight, 20_000);
  assert.equal(parseConsumerArgs([KAFKA_IN, MYSQL_OUT, '--schemas-path', 'schemas', '--max-in-flight', '5000']).maxInFlight, 5000);
});

test('consumer --max-in-flight that is not a whole number is a usage error naming the flag', () => {
  const error = errorOf(() => parseConsumerArgs([KAFKA_IN, MYSQL_OUT, '--schemas-path', 'schemas', '--max-in-flight', '5k']));
  assert.equal(error.code, 'EL_USAGE');
  assert.match(error.message, /--max-in-flight must be a whole number, got '5k'/);
});

test('consumer --max-in-flight of 0 or over a million is refused at start, naming the flag', () => {
  for (const bad of ['0', '1000001']) {
    const error = errorOf(() => parseConsumerArgs([KAFKA_IN, MYSQL_OUT, '--schemas-path', 'schemas', '--max-in-flight', bad]));
    assert.equal(error.code, 'EL_CONFIG_INVALID', bad);
    assert.match(error.message, /^--max-in-flight: must be (>=|<=)/, bad);
  }
});

test('a consumer config built without maxInFlight (not through the parser) is refused', () => {
  const error = errorOf(() => validateRoleConfig({
    kind: 'consumer', input: { kind: 'kafka-reader' }, output: { kind: 'mysql' }, botPolicy: 'drop-bots', schemasPath: 'schemas',
  }));
  assert.equal(error.code, 'EL_CONFIG_INVALID');
  assert.match(error.message, /must have required property 'maxInFlight'/);
});

test('a parsed config is frozen', () => {
  const config = parseConsumerArgs([KAFKA_IN, MYSQL_OUT, '--schemas-path', 'schemas']);
  assert.ok(Object.isFrozen(config));
  assert.throws(() => { (config as { maxInFlight: number }).maxInFlight = 1; }, TypeError);
});

test('every problem of a processor config is listed, each naming its argument', () => {
  const error = errorOf(() => parseProcessorArgs(['no-percent', 'stdin://', 'stdout://', '--valid-mixed-allow', '(', '--schemas-path', 'schemas']));
  assert.equal(error.code, 'EL_CONFIG_INVALID');
  assert.match(error.message, /FORMAT: must match pattern/);
  assert.match(error.message, /--valid-mixed-allow: must match format "regex"/);
});

test('a consumer without a schema source is told which flags would do', () => {
  const error = errorOf(() => parseConsumerArgs([KAFKA_IN, MYSQL_OUT]));
  assert.equal(error.code, 'EL_CONFIG_INVALID');
  assert.match(error.message, /one of --schemas-path or --schema-uri-base is required/);
});

test('config mistakes the schema cannot see are refused at start, each naming its argument', () => {
  const missing = errorOf(() => parseConsumerArgs([KAFKA_IN, MYSQL_OUT, '--schemas-path', '/nonexistent']));
  assert.equal(missing.code, 'EL_CONFIG_INVALID');
  assert.match(missing.message, /--schemas-path: \/nonexistent is not a directory/);
  const stdin = errorOf(() => parseConsumerArgs(['stdin://', MYSQL_OUT, '--schemas-path', 'schemas']));
  assert.match(stdin.message, /INPUT: a consumer reads kafka:\/\/\//);
  const stdout = errorOf(() => parseConsumerArgs([KAFKA_IN, 'stdout://', '--schemas-path', 'schemas']));
  assert.match(stdout.message, /OUTPUT: a consumer writes mysql:\/\//);
  const format = errorOf(() => parseProcessorArgs(['%q %x', 'stdin://', 'stdout://', '--schemas-path', 'schemas']));
  assert.match(format.message, /FORMAT: .*unknown specifier/);
});

test('processor --check-threads defaults to 1, takes 0 (everything on one thread), and refuses more than 64 naming the flag', () => {
  const args = ['%q', 'kafka:///127.0.0.1:9092?topics=raw&identity=g', 'stdout://', '--schemas-path', 'schemas'];
  assert.equal(parseProcessorArgs(args).checkThreads, 1);
  assert.equal(parseProcessorArgs([...args, '--check-threads', '0']).checkThreads, 0);
  const error = errorOf(() => parseProcessorArgs([...args, '--check-threads', '65']));
  assert.equal(error.code, 'EL_CONFIG_INVALID');
  assert.match(error.message, /^--check-threads: must be <= 64/);
  assert.match(errorOf(() => parseProcessorArgs([...args, '--check-threads', 'two'])).message, /--check-threads must be a whole number/);
});

test('lake: defaults (refine two hours after the hour, 10,000-row batches) and a bad value names its flag', () => {
  const config = parseLakeArgs(['kafka:///127.0.0.1:9092?topics=eventlogging-valid-mixed&identity=g', 'file:///srv/lake', '--schemas-path', 'schemas']);
  assert.deepEqual([config.refineDelaySeconds, config.refineEverySeconds, config.batchRows, config.batchSeconds, config.maxInFlight], [7200, 60, 10_000, 60, 20_000]);
  const error = errorOf(() => parseLakeArgs(['kafka:///127.0.0.1:9092?topics=t&identity=g', 'file:///srv/lake', '--schemas-path', 'schemas', '--refine-every', '0']));
  assert.equal(error.code, 'EL_CONFIG_INVALID');
  assert.match(error.message, /^--refine-every: must be >= 1/);
  assert.match(errorOf(() => parseLakeArgs(['kafka:///127.0.0.1:9092?topics=t&identity=g', 'stdout://', '--schemas-path', 'schemas'])).message, /OUTPUT/);
});
