import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import { metricTotals } from '../../../src/observability/metric-totals.js';

test('totals sum a counter over its labels, and are null for a counter nobody registered', async () => {
  const registry = new Registry();
  const c = new Counter({ name: 'a_total', help: 'a', labelNames: ['role'], registers: [registry] });
  c.inc({ role: 'x' }, 3);
  c.inc({ role: 'y' }, 4);
  new Counter({ name: 'b_total', help: 'b', registers: [registry] });
  assert.deepEqual(await metricTotals(registry, { a: 'a_total', b: 'b_total', c: 'c_total' }), { a: 7, b: 0, c: null });
});
