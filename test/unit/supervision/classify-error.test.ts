import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RdKafka } from '@confluentinc/kafka-javascript';
import { classifyError } from '../../../src/supervision/classify-error.js';
import { ElError } from '../../../src/domain/errors.js';

const E = RdKafka.CODES.ERRORS;
/** An error shaped as the Kafka client reports them: a numeric librdkafka code. */
const kafkaError = (code: number, message = 'some text that must not matter', isFatal = false) => Object.assign(new Error(message), { code, isFatal });

test('librdkafka codes are classified by code, whatever the message says', () => {
  const cases: Array<[number, string]> = [
    [E.ERR__AUTHENTICATION, 'EL_KAFKA_AUTH'],
    [E.ERR_SASL_AUTHENTICATION_FAILED, 'EL_KAFKA_AUTH'],
    [E.ERR_TOPIC_AUTHORIZATION_FAILED, 'EL_KAFKA_AUTH'],
    [E.ERR_GROUP_AUTHORIZATION_FAILED, 'EL_KAFKA_AUTH'],
    [E.ERR__SSL, 'EL_KAFKA_AUTH'],
    [E.ERR_NOT_LEADER_FOR_PARTITION, 'EL_KAFKA_LEADER_LOST'],
    [E.ERR_LEADER_NOT_AVAILABLE, 'EL_KAFKA_LEADER_LOST'],
    [E.ERR_REBALANCE_IN_PROGRESS, 'EL_KAFKA_REBALANCING'],
    [E.ERR__BAD_COMPRESSION, 'EL_KAFKA_RECORD_UNREADABLE'],
    [E.ERR__FATAL, 'EL_KAFKA_FAILED'],
    [E.ERR__TRANSPORT, 'EL_KAFKA_UNAVAILABLE'],
    [E.ERR__ALL_BROKERS_DOWN, 'EL_KAFKA_UNAVAILABLE'],
    [E.ERR__MSG_TIMED_OUT, 'EL_KAFKA_UNAVAILABLE'],
  ];
  for (const [code, expected] of cases) assert.equal(classifyError(kafkaError(code), 'kafka').code, expected, `code ${code}`);
  // A message that reads like leader loss does not make it one.
  assert.equal(classifyError(kafkaError(E.ERR__TRANSPORT, 'NOT_LEADER_FOR_PARTITION'), 'kafka').code, 'EL_KAFKA_UNAVAILABLE');
});

test('a client error flagged fatal restarts the client (fatal flag), an auth refusal stops it', () => {
  const fatal = classifyError(kafkaError(E.ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, 'x', true), 'kafka');
  assert.equal(fatal.code, 'EL_KAFKA_FAILED');
  assert.equal(fatal.flags.fatal, true);
  assert.equal(classifyError(kafkaError(E.ERR__AUTHENTICATION), 'kafka').flags.retryable, false);
});

test('the cause is kept, and an ElError passes through unchanged', () => {
  const raw = kafkaError(E.ERR__TRANSPORT);
  assert.equal(classifyError(raw, 'kafka').cause, raw);
  const coded = new ElError('EL_TIMEOUT', 't');
  assert.equal(classifyError(coded, 'kafka'), coded);
});

test('database errors: connection codes, fatal codes, rejected rows', () => {
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'db').code, 'EL_DB_UNAVAILABLE');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'ER_ACCESS_DENIED_ERROR' }), 'db').code, 'EL_DB_FAILED');
  assert.equal(classifyError(Object.assign(new Error('x'), { code: 'ER_DATA_TOO_LONG' }), 'db').code, 'EL_ROW_REJECTED');
  assert.equal(classifyError(Object.assign(new Error('x'), { fatal: true }), 'db').code, 'EL_DB_UNAVAILABLE');
});
