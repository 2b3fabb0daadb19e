// Lint rules, including the import direction the style guide asks for:
// site/ and the pure files of tiers/ never touch the world.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const EFFECT_MODULES = [
  'node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'node:child_process', 'child_process',
  'execa', 'chokidar', 'prom-client', 'pino', 'node:net', 'node:http', 'node:dgram',
];
const effects = EFFECT_MODULES.map((name) => ({ name, message: 'pure code: pass effects in through a port instead' }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/build/**', 'out/**', '.lab-runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['site/**/*.ts', 'tiers/**/plan.ts', 'tiers/**/view.ts', 'tiers/**/diff.ts', 'tiers/**/render.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: effects.filter((e) => e.name !== 'node:net') }],
    },
  },
  {
    files: ['site/**/*.ts'],
    ignores: ['**/*.test.ts', 'site/brand.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: effects, patterns: [{ group: ['../tiers/*', '../agent/*', '../cli/*'], message: 'site/ is imported by tiers and agent, never the reverse' }] }] },
  },
  {
    files: ['tiers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/agent/*', '**/cli/*', '**/lab/*'], message: 'imports flow site <- tiers <- agent' }] }] },
  },
);
