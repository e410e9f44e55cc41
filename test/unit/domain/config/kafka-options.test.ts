import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CODEC, kafkaClientOptions, writerOptionsOf } from '../../../../src/domain/config/kafka-options.js';
import { ElError } from '../../../../src/domain/errors.js';

const rejects = (params: Record<string, string>, role: 'reader' | 'writer', message: RegExp) =>
  assert.throws(() => kafkaClientOptions(params, role), (e: unknown) => e instanceof ElError && e.code === 'EL_URI_INVALID' && message.test(e.message));

test('client properties pass under their own names; our parameters stay ours; the codec defaults', () => {
  const o = kafkaClientOptions({ topic: 'T', 'security.protocol': 'ssl', 'ssl.ca.location': '/etc/ca.pem' }, 'writer');
  assert.deepEqual(o.properties, { 'security.protocol': 'ssl', 'ssl.ca.location': '/etc/ca.pem' });
  assert.deepEqual(o.secrets, []);
  assert.equal(o.codec, DEFAULT_CODEC);
});

test('compression.codec (and its alias compression.type) choose the codec; an unknown codec is named', () => {
  assert.equal(kafkaClientOptions({ 'compression.codec': 'zstd' }, 'writer').codec, 'zstd');
  assert.equal(kafkaClientOptions({ 'compression.type': 'snappy' }, 'writer').codec, 'snappy');
  rejects({ 'compression.codec': 'brotli' }, 'writer', /compression.codec.*one of none, gzip, snappy, lz4, zstd.*brotli/);
});

test('an unknown or misspelled option is named, with the nearest known one', () => {
  rejects({ 'security.protocl': 'ssl' }, 'reader', /unknown Kafka option 'security.protocl' \(did you mean 'security.protocol'\?\)/);
  rejects({ frobnicate: '1' }, 'reader', /unknown Kafka option 'frobnicate'$/);
});

test('producer options on a reader (and consumer options on a writer) are refused as such', () => {
  rejects({ 'compression.codec': 'lz4' }, 'reader', /producer option; this URI is a reader/);
  rejects({ 'max.partition.fetch.bytes': '1000' }, 'writer', /consumer option; this URI is a writer/);
});

test('a password written into the URI is refused; a file or a variable names it', () => {
  rejects({ 'sasl.password': 'hunter2' }, 'reader', /must not be written into a URI.*sasl.password.file=PATH.*sasl.password.env=NAME/);
  const sasl = { 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'el' };
  assert.deepEqual(kafkaClientOptions({ ...sasl, 'sasl.password.file': '/run/secrets/kafka' }, 'reader').secrets,
    [{ property: 'sasl.password', from: 'file', name: '/run/secrets/kafka' }]);
  assert.deepEqual(kafkaClientOptions({ ...sasl, 'sasl.password.env': 'KAFKA_PASSWORD' }, 'reader').secrets,
    [{ property: 'sasl.password', from: 'env', name: 'KAFKA_PASSWORD' }]);
  rejects({ ...sasl, 'sasl.password.env': 'not a name' }, 'reader', /must name an environment variable/);
});

test('SASL needs its mechanism, user and password; sasl options without SASL are refused', () => {
  rejects({ 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'PLAIN' }, 'reader', /needs sasl.mechanism, sasl.username and sasl.password/);
  rejects({ 'sasl.username': 'el' }, 'reader', /need security.protocol=sasl_ssl or sasl_plaintext/);
  rejects({ 'security.protocol': 'sasl_ssl', 'sasl.mechanism': 'GSSAPI-ish', 'sasl.username': 'u', 'sasl.password.env': 'P' }, 'reader', /sasl.mechanism' must be one of/);
});

test('values are checked', () => {
  rejects({ 'linger.ms': 'soon' }, 'writer', /linger.ms' must be an integer from 0/);
  rejects({ 'enable.ssl.certificate.verification': 'yes' }, 'reader', /must be true or false/);
  rejects({ idempotent: 'false' }, 'writer', /always idempotent/);
  assert.doesNotThrow(() => kafkaClientOptions({ idempotent: 'true' }, 'writer'));
});

test('a reader\'s options for a writer keep the connection and secrets, drop consumer tuning', () => {
  const reader = kafkaClientOptions({
    'security.protocol': 'sasl_plaintext', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'el', 'sasl.password.env': 'P', 'max.partition.fetch.bytes': '1000',
  }, 'reader');
  const writer = writerOptionsOf(reader);
  assert.deepEqual(writer.properties, { 'security.protocol': 'sasl_plaintext', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'el' });
  assert.deepEqual(writer.secrets, reader.secrets);
  assert.equal(writer.codec, DEFAULT_CODEC);
});
