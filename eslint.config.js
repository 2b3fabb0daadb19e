// Lint rules, including the import direction the style guide asks for:
// site/ and tiers/ never touch the world.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const EFFECT_MODULES = [
  'node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'node:child_process', 'child_process',
  'execa', 'chokidar', 'prom-client', 'pino', 'node:net', 'node:http', 'node:dgram',
  '@grpc/grpc-js', '@grpc/proto-loader', 'etcd3',
];
const effects = EFFECT_MODULES.map((name) => ({ name, message: 'pure code: pass effects in through a port instead' }));
/** Also `node:module`: its createRequire is how the native addon is loaded. */
const TIER_EFFECT_MODULES = [...EFFECT_MODULES, 'net', 'http', 'dgram', 'node:module', 'module', 'node:os', 'os', 'node:worker_threads'];

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
    files: ['site/**/*.ts'],
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
  // tiers/ is pure, every file of it but the tests: the effects (programs,
  // files, sockets, the native addon) live in agent/drivers/ and come in
  // through the ports tiers/ declares. One block, because a later block's
  // no-restricted-imports replaces an earlier one's options.
  // fleet/ is pure in the same way: the fleet state's decisions; its store is agent/drivers/etcd.
  {
    files: ['tiers/**/*.ts', 'fleet/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: TIER_EFFECT_MODULES.map((name) => ({ name, message: 'tiers/ is pure: put the effect in agent/drivers/<thing>/ behind a port' })),
        patterns: [
          { group: ['**/agent/*', '**/cli/*', '**/lab/*'], message: 'imports flow site <- tiers <- agent' },
          { group: ['**/native/**', '**/*.node'], message: 'only agent/drivers/ipvs loads the native addon' },
        ],
      }],
      'no-restricted-syntax': ['error',
        { selector: 'ImportExpression', message: 'tiers/ is pure: no dynamic import' },
        { selector: "CallExpression[callee.name='require']", message: 'tiers/ is pure: no require' },
        { selector: "MemberExpression[object.name='process'][property.name='dlopen']", message: 'only agent/drivers/ipvs loads the native addon' },
      ],
    },
  },
  {
    // The lab builds a site; benches run scenarios in it: the arrow goes one way.
    files: ['lab/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/bench/*', '**/bench/**'], message: 'lab/ never imports bench/: benches import the lab' }] }] },
  },
);
