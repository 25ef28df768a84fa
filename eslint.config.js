// ESLint flat config: typescript-eslint's recommended, type-checked rules, plus the rule that keeps
// lib/core pure (no adapters, no AWS SDK, no undici, no CDK, no clock or env access).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'coverage/**', 'reports/**', 'bench/out/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['lib/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/adapters/**', '**/runtime/**', '**/infra/**', '**/target/**', '**/report/**', '**/lambdas/**'], message: 'lib/core is pure: it imports no adapter, runtime, infra or renderer.' },
          { group: ['undici', '@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'node:fs', 'node:fs/*', 'node:net', 'node:http', 'fs', 'http'], message: 'lib/core does no I/O: use a port.' },
        ],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'lib/core reads no clock: use the Clock port.' },
        { object: 'process', property: 'env', message: 'lib/core reads no environment: pass values in.' },
        { object: 'Math', property: 'random', message: 'lib/core draws from a seeded Rng, never Math.random.' },
        { object: 'performance', property: 'now', message: 'lib/core reads no clock: use the Clock port.' },
      ],
    },
  },
);
