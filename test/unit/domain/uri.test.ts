import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUri, redact } from '../../../src/domain/uri.js';
import { ElError } from '../../../src/domain/errors.js';

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
