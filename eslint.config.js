// Lint: TypeScript-aware rules, plus the one architectural rule that matters most here:
// src/domain stays pure (no I/O modules, no clock or randomness reads).
import tseslint from 'typescript-eslint';

const ioModules = ['@confluentinc/kafka-javascript', 'mysql2', 'mysql2/*', 'pino', 'prom-client', 'fastify', 'node:fs', 'node:fs/*', 'fs', 'fs/*',
  'node:net', 'net', 'node:http', 'http', 'node:https', 'https', 'node:child_process', 'child_process', 'node:dgram', 'node:os', 'os'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '.run/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Closures created before an actor exists read it later; that is not a missed const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules.filter((m) => !m.includes('*')).map((name) => ({ name, message: 'src/domain is pure: inject I/O instead.' })), patterns: ioModules.filter((m) => m.includes('*')) }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'src/domain reads no clock: take `now` as an argument.' },
        { object: 'Math', property: 'random', message: 'src/domain is deterministic: inject randomness.' },
        { object: 'performance', property: 'now', message: 'src/domain reads no clock.' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/domain reads no clock: take `now` as an argument.' }],
    },
  },
);
