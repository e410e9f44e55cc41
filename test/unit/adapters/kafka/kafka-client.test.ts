import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RdKafka } from '@confluentinc/kafka-javascript';
import { clientConfig, describeEndpoint, withCode } from '../../../../src/adapters/kafka/kafka-client.js';
import { kafkaClientOptions } from '../../../../src/domain/config/kafka-options.js';
import { ElError } from '../../../../src/domain/errors.js';

const sasl = kafkaClientOptions({
  'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'el', 'sasl.password.file': '/run/secrets/kafka',
}, 'reader');

test('the client configuration: brokers, id, the URI\'s properties, the secret read where the URI says', () => {
  const seen: string[] = [];
  const config = clientConfig({ brokers: ['a:9093', 'b:9093'], clientId: 'el-x', client: sasl }, (from, name) => {
    seen.push(`${from}:${name}`);
    return 'hunter2';
  });
  assert.deepEqual(config, {
    'bootstrap.servers': 'a:9093,b:9093', 'client.id': 'el-x', 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'el', 'sasl.password': 'hunter2',
  });
  assert.deepEqual(seen, ['file:/run/secrets/kafka']);
});

test('an unreadable secret stops the role with the property and the place, never a value', () => {
  assert.throws(() => clientConfig({ brokers: ['a:9093'], clientId: 'x', client: sasl }, () => {
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  }), (e: unknown) => e instanceof ElError && e.code === 'EL_CONFIG_INVALID' && e.message === 'sasl.password.file: cannot read the file /run/secrets/kafka: ENOENT');
});

test('an endpoint is described by brokers, protocol, mechanism and user only', () => {
  const text = describeEndpoint({ brokers: ['a:9093'], clientId: 'x', client: sasl });
  assert.equal(text, 'a:9093 (sasl_ssl SCRAM-SHA-512 as el)');
  assert.equal(describeEndpoint({ brokers: ['a:9092'], clientId: 'x' }), 'a:9092 (plaintext)');
});

test('an error event whose code the binding lost gets it back from librdkafka\'s fixed description', () => {
  const E = RdKafka.CODES.ERRORS;
  assert.equal(withCode({ code: -1, message: 'broker transport failure' }).code, E.ERR__TRANSPORT);
  assert.equal(withCode({ code: -1, message: 'Local: All broker connections are down' }).code, E.ERR__ALL_BROKERS_DOWN);
  assert.equal(withCode({ code: -1, message: 'something else' }).code, -1);
  assert.equal(withCode({ code: E.ERR__SSL, message: 'broker transport failure' }).code, E.ERR__SSL);
});
