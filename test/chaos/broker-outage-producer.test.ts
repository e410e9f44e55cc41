// Chaos: the only broker dies (SIGKILL) under the processor's producer and comes back with its
// data. While it is gone every send fails as retryable and the producer says it is not connected
// (what /readyz reports); once it is back, the batch the produce stage keeps retrying goes
// through on its own, with no restart of the producer. The broker is started again, pass or fail.
// The producer gives up on a message after 5 s here (a minute in production), so the outage is
// seen as a failed send within the test's patience.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { ElError } from '../../src/domain/errors.js';
import { createKafkaSink } from '../../src/adapters/kafka/kafka-producer.js';
import { BROKERS, consumeAll, freshTopic, topicSize } from '../helpers/kafka.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function kafkaScript(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', ['scripts/kafka', ...args], { cwd: ROOT, timeout: 240_000 });
  return stdout.trim();
}

before(async () => {
  await kafkaScript('up');
}, { timeout: 300_000 });

after(async () => {
  // Restarts a broker this file stopped, with its data; a no-op when it is running.
  await kafkaScript('up');
}, { timeout: 300_000 });

test('the only broker dies and comes back: sends fail retryably, the producer reports it, and the retried batch lands', { timeout: 240_000 }, async (t) => {
  const topic = await freshTopic('el-chaos-outage', 2);
  const batch = (from: number) => Array.from({ length: 100 }, (_, i) => ({ topic, key: `k${from + i}`, value: `m${from + i}` }));
  let retried = 0;
  const sink = await createKafkaSink({
    endpoint: { brokers: BROKERS, clientId: 'el-chaos-outage' }, logger, onRetriedRequests: (n) => (retried += n),
    properties: { 'message.timeout.ms': 5000 },
  });
  let killed = 0;
  try {
    await sink.send(batch(0));
    killed = Number(await kafkaScript('kill-leader', topic, '0'));
    assert.equal(killed, 1);

    const outageStarted = Date.now();
    await assert.rejects(sink.send(batch(100)), (e: unknown) => e instanceof ElError && e.flags.retryable && e.code.startsWith('EL_KAFKA_'));
    t.diagnostic(`send rejected ${Date.now() - outageStarted} ms into the outage; ${retried} requests retried by the producer first`);
    assert.equal(sink.connected(), false, 'not ready while no broker answers');

    await kafkaScript('start-broker', String(killed));
    killed = 0;
    // As the produce stage does: the rejected batch is sent again, with backoff, until acknowledged.
    const backStarted = Date.now();
    let attempts = 0;
    for (;;) {
      attempts += 1;
      try {
        await sink.send(batch(100));
        break;
      } catch (error) {
        assert.ok(error instanceof ElError && error.flags.retryable, `only retryable failures: ${String(error)}`);
        assert.ok(Date.now() - backStarted < 60_000, 'the batch went through within 60 s of the broker coming back');
        await sleep(500);
      }
    }
    t.diagnostic(`batch acknowledged ${Date.now() - backStarted} ms after the broker was back, attempt ${attempts}`);
    assert.equal(sink.connected(), true, 'ready again');
  } finally {
    await sink.close();
    if (killed > 0) await kafkaScript('start-broker', String(killed));
  }

  const held = await topicSize(topic);
  const stored = new Set(await consumeAll(topic, held, 60_000));
  const missing = [...batch(0), ...batch(100)].filter((m) => !stored.has(m.value));
  assert.deepEqual(missing.map((m) => m.value), [], 'every acknowledged message is on the topic');
});
