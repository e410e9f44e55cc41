import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseIntakeArgs, parseProcessorArgs } from '../../../src/config/parse-role-args.js';
import { createIntake } from '../../../src/roles/intake/intake-role.js';
import { createProcessorRole } from '../../../src/roles/processor/processor-role.js';
import { BROKERS, consumeAll, freshTopic, topicSize, uniqueName } from '../../helpers/kafka.js';
import { until } from '../../helpers/wait.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const K = `kafka:///${BROKERS.join(',')}`;
const deps = () => ({ logger, registry: new Registry(), onFatal: (e: Error) => { throw e; } });

test('beacons sent to the intake arrive as capsules on the schema and valid-mixed topics, invalid ones as EventErrors; counts add up exactly', async (t) => {
  const raw = await freshTopic('el-e2e-raw', 2);
  const prefix = uniqueName('el-e2e');
  const intake = createIntake({
    kind: 'intakes', name: 'e2e', file: 'test',
    config: parseIntakeArgs(['--port', '0', '--recv-from', 'e2e.test', '--seq-state', join(mkdtempSync(join(tmpdir(), 'el-seq-')), 'seq'), `${K}?topic=${raw}`]),
  }, deps());
  const processor = createProcessorRole({
    kind: 'processors', name: 'e2e', file: 'test',
    config: parseProcessorArgs([
      '--schemas-path', 'schemas', '--output-invalid', `${K}?topic=${prefix}_EventError`,
      '%q %{recvFrom}s %{seqId}d %D %{ip}i %u',
      `${K}?topics=${raw}&identity=${uniqueName('el-e2e-proc')}`,
      `${K}?topic=${prefix}_{schema}`, `${K}?topic=${prefix}-valid-mixed`,
    ]),
  }, deps());
  await intake.start();
  await processor.start();
  try {
    await until(() => intake.status().ready, 20_000, 'intake ready');
    const base = `http://${intake.address()}`;
    const ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';
    const send = async (capsule: unknown) => {
      const r = await fetch(`${base}/beacon/event?${encodeURIComponent(JSON.stringify(capsule))};`, { headers: { 'user-agent': ua } });
      assert.equal(r.status, 204);
    };
    const site = { wiki: 'enwiki', webHost: 'en.wikipedia.org' };
    for (let i = 0; i < 40; i += 1) {
      await send({ ...site, schema: 'Edit', revision: 1, event: { action: 'init', version: 1, 'action.init.timing': i } });
      await send({ ...site, schema: 'NavigationTiming', revision: 1, event: { pageId: i } });
    }
    for (let i = 0; i < 5; i += 1) {
      await send({ ...site, schema: 'Edit', revision: 1, event: { action: 'init' } }); // version missing
      await send({ ...site, schema: 'NoSuchSchema', revision: 1, event: {} });
    }
    // Delivery is at least once: when a produce request fails for one partition (a topic being
    // auto-created) the producer may send the whole request again, so a message can arrive twice. What must
    // add up exactly is the events: every one arrives, no other, and every copy is identical.
    const distinct = async (topic: string, want: number): Promise<string[]> => {
      await until(async () => (await topicSize(topic)) >= want, 30_000, `${want} messages on ${topic}`);
      await new Promise((r) => setTimeout(r, 1000)); // stragglers
      const all = await consumeAll(topic, await topicSize(topic), 30_000);
      const byUuid = new Map<string, string>();
      for (const m of all) {
        const uuid = (JSON.parse(m) as { uuid: string }).uuid;
        const seen = byUuid.get(uuid);
        assert.ok(seen === undefined || seen === m, `two different messages share uuid ${uuid} on ${topic}`);
        byUuid.set(uuid, m);
      }
      if (all.length > byUuid.size) t.diagnostic(`${topic}: ${all.length - byUuid.size} redelivered copies`);
      return [...byUuid.values()];
    };
    const edits = await distinct(`${prefix}_Edit`, 40);
    const timings = await distinct(`${prefix}_NavigationTiming`, 40);
    const mixed = await distinct(`${prefix}-valid-mixed`, 80);
    const errors = await distinct(`${prefix}_EventError`, 10);
    assert.equal(mixed.length, 80);
    assert.equal(edits.length, 40);
    assert.equal(timings.length, 40);
    assert.equal(errors.length, 10);
    const capsule = JSON.parse(edits[0]!);
    assert.equal(capsule.recvFrom, 'e2e.test');
    assert.match(capsule.uuid, /^[0-9a-f]{32}$/);
    assert.equal(capsule.userAgent.browser_family, 'Firefox');
    assert.deepEqual(new Set(mixed.map((m) => JSON.parse(m).uuid)), new Set([...edits, ...timings].map((m) => JSON.parse(m).uuid)));
    // Refused by its schema: `validation`; no such schema: `processor`, as in the original.
    assert.deepEqual(errors.map((e) => { const { code, schema } = JSON.parse(e).event; return `${schema} ${code}`; }).sort(),
      [...Array(5).fill('Edit validation'), ...Array(5).fill('NoSuchSchema processor')]);
  } finally {
    await intake.stop();
    await processor.stop();
  }
});
