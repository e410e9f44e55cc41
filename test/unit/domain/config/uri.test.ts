import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKafkaCluster, parseUri, redact } from '../../../../src/domain/config/uri.js';
import { ElError } from '../../../../src/domain/errors.js';

test('redact hides the whole password, even one holding @ or :', () => {
  assert.equal(redact('mysql://el:s3cr@t:x@db.example.org:3306/log?batch_size=10'), 'mysql://el:***@db.example.org:3306/log?batch_size=10');
  assert.equal(redact('mysql://el:plain@db/log'), 'mysql://el:***@db/log');
  assert.equal(redact('mysql://el:p@ss@db/log?note=a@b'), 'mysql://el:***@db/log?note=a@b');
  assert.equal(redact('mysql://db/log'), 'mysql://db/log');
  assert.equal(redact('kafka:///h:9092?topic=T'), 'kafka:///h:9092?topic=T');
});

test('Kafka URIs carry their validated client options', () => {
  const w = parseUri('kafka:///a:9093,b:9093?topic=T&security.protocol=ssl&ssl.ca.location=/ca.pem&compression.codec=zstd');
  assert.equal(w.kind, 'kafka-writer');
  if (w.kind !== 'kafka-writer') return;
  assert.deepEqual(w.client.properties, { 'security.protocol': 'ssl', 'ssl.ca.location': '/ca.pem' });
  assert.equal(w.client.codec, 'zstd');
  const r = parseUri('kafka:///a:9093?topics=T&identity=G&security.protocol=ssl');
  assert.equal(r.kind === 'kafka-reader' && r.client.properties['security.protocol'], 'ssl');
});

test('a misspelled Kafka option stops the URI, naming it and the URI', () => {
  assert.throws(() => parseUri('kafka:///a:9092?topics=T&identity=G&sasl.mechansim=PLAIN'),
    (e: unknown) => e instanceof ElError && e.code === 'EL_URI_INVALID' && /kafka:\/\/\/a:9092.*sasl.mechansim.*did you mean 'sasl.mechanism'/.test(e.message));
});

test('parseKafkaCluster: plain HOST:PORT lists, or a Kafka URI with client options for TLS and SASL', () => {
  assert.deepEqual(parseKafkaCluster('a:9092, b:9093'), { brokers: ['a:9092', 'b:9093'] });
  const secured = parseKafkaCluster('kafka:///k1:9093,k2:9093?security.protocol=sasl_ssl&sasl.mechanism=SCRAM-SHA-512&sasl.username=el&sasl.password.file=%2Fetc%2Fel%2Fpw&ssl.ca.location=%2Fetc%2Fca.pem');
  assert.deepEqual(secured.brokers, ['k1:9093', 'k2:9093']);
  assert.equal(secured.client?.properties['security.protocol'], 'sasl_ssl');
  assert.equal(secured.client?.properties['ssl.ca.location'], '/etc/ca.pem');
  assert.deepEqual(secured.client?.secrets, [{ property: 'sasl.password', from: 'file', name: '/etc/el/pw' }]);
  assert.throws(() => parseKafkaCluster('a:b'), /--brokers: 'a:b' is not HOST:PORT/);
  assert.throws(() => parseKafkaCluster(''), /no broker/);
  assert.throws(() => parseKafkaCluster('kafka:///k:9093?security.protocl=ssl'), /unknown Kafka option 'security.protocl' \(did you mean 'security.protocol'\?\)/);
  assert.throws(() => parseKafkaCluster('kafka:///k:9093?sasl.password=hunter2'), (e: Error) => /must not be written into a URI/.test(e.message) && !e.message.includes('hunter2'));
  assert.throws(() => parseKafkaCluster('kafka:///k:9093?topics=t&identity=g'), /'topics' has no place here/);
});

test('a password written into a Kafka URI is refused without being quoted, in role URIs too', () => {
  for (const uri of ['kafka:///k:9093?topic=t&sasl.password=hunter2', 'kafka:///k:9093?topics=t&identity=g&ssl.key.password=hunter2&x=1']) {
    assert.throws(() => parseUri(uri), (e: Error) => /must not be written into a URI/.test(e.message) && !e.message.includes('hunter2') && e.message.includes('password=***'));
  }
  assert.equal(redact('kafka:///k:9093?topic=t&sasl.password.file=/etc/pw'), 'kafka:///k:9093?topic=t&sasl.password.file=/etc/pw');
});
