import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('../../..', import.meta.url).pathname });

async function problems(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

test('the lint rule keeps I/O modules out of src/domain', async () => {
  for (const mod of ['@confluentinc/kafka-javascript', 'mysql2/promise', 'pino', 'prom-client', 'node:fs', 'node:http']) {
    const found = await problems(`import x from '${mod}';\nexport const y = x;\n`, 'src/domain/example.ts');
    assert.ok(found.some((p) => p.startsWith('no-restricted-imports')), `${mod} is rejected: ${found.join('; ')}`);
  }
});

test('the lint rule rejects clock reads in src/domain but allows them elsewhere', async () => {
  const code = 'export const t = Date.now();\nexport const d = new Date();\n';
  const inDomain = await problems(code, 'src/domain/example.ts');
  assert.equal(inDomain.filter((p) => /no-restricted-(properties|syntax)/.test(p)).length, 2);
  const outside = await problems(code, 'src/adapters/kafka/example.ts');
  assert.deepEqual(outside.filter((p) => /no-restricted/.test(p)), []);
});

test('src/domain as it stands passes the rule', async () => {
  const results = await eslint.lintFiles(['src/domain']);
  const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath}:${m.line} ${m.ruleId}`));
  assert.deepEqual(errors, []);
});
