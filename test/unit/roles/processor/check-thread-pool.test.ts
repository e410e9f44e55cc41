import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import type { KafkaRecord } from '../../../../src/adapters/kafka/kafka-record.js';
import { parseProcessorArgs } from '../../../../src/config/parse-role-args.js';
import { createProcessorCore } from '../../../../src/roles/processor/processor-core.js';
import { checkBatch } from '../../../../src/roles/processor/check-batch.js';
import { packJob, routedOf } from '../../../../src/roles/processor/check-job.js';
import { createCheckThreads } from '../../../../src/roles/processor/check-thread-pool.js';
import { FORMAT, rawCases } from '../../../fixtures/processor/raw-lines.js';
import { until } from '../../../helpers/wait.js';

const logger = pino({ level: 'silent' });
const config = parseProcessorArgs([
  FORMAT, 'kafka:///127.0.0.1:9092?topics=raw&identity=g',
  'kafka:///127.0.0.1:9092?topic=eventlogging_{schema}', 'kafka:///127.0.0.1:9092?topic=eventlogging-valid-mixed',
  '--output-invalid', 'kafka:///127.0.0.1:9092?topic=eventlogging_EventError', '--schemas-path', 'schemas', '--sid', 'p0',
]);
// The thread and this fallback build the same core from the same configuration.
const core = createProcessorCore(config);
const valid = rawCases(300).filter((c) => c.outcome === 'valid');
const records = (first: number): KafkaRecord[] =>
  valid.map((c, i) => ({ topic: 'raw', partition: 1, offset: first + i, value: Buffer.from(c.line), timestamp: 0 }));
const expected = async (input: readonly KafkaRecord[]) => routedOf(input.map((r) => r.offset), await checkBatch(core, packJob(0, 'raw', 1, input)));

test('a check thread answers a job with what the main thread would have produced', async () => {
  let lost = 0;
  const threads = createCheckThreads({ config, core, threads: 1, logger, onThreadLost: () => { lost += 1; } });
  try {
    const input = records(0);
    const result = await threads.run('raw', 1, input);
    assert.deepEqual(routedOf(input.map((r) => r.offset), result), await expected(input));
    // The thread's own answer: it loaded and lived (the Kafka client's binding, which a second
    // thread cannot load, must stay out of its imports).
    assert.equal(lost, 0);
    assert.equal(threads.threads(), 1);
  } finally {
    await threads.close();
  }
});

test('jobs held by a thread that dies are checked on the main thread; the thread is replaced, and after three deaths not again', async () => {
  const workers: Worker[] = [];
  let lost = 0;
  const threads = createCheckThreads({ config, core, threads: 1, logger, onThread: (w) => workers.push(w), onThreadLost: () => { lost += 1; } });
  try {
    for (let death = 1; death <= 3; death += 1) {
      await until(async () => threads.threads() === 1, 10_000, `thread ${death} running`);
      const inputs = [records(death * 1000), records(death * 1000 + 500), records(death * 1000 + 900)];
      const answers = inputs.map((input) => threads.run('raw', 1, input));
      // Killed with the jobs in its hands.
      await workers[death - 1]!.terminate();
      const results = await Promise.all(answers);
      for (const [i, result] of results.entries()) assert.deepEqual(routedOf(inputs[i]!.map((r) => r.offset), result), await expected(inputs[i]!));
      assert.equal(lost, death);
    }
    assert.equal(workers.length, 3);
    assert.equal(threads.threads(), 0);
    const input = records(9000);
    const result = await threads.run('raw', 1, input);
    assert.deepEqual(routedOf(input.map((r) => r.offset), result), await expected(input));
  } finally {
    await threads.close();
  }
});
