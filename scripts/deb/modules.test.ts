import { describe, expect, it } from 'vitest';
import { isLicenseFile, moduleName, runtimeModules, shipsModuleFile } from './modules.js';

const lock = {
  lockfileVersion: 3,
  packages: {
    '': { version: '0.1.0' },
    'node_modules/pino': { version: '9.6.0', license: 'MIT' },
    'node_modules/@grpc/grpc-js': { version: '1.14.7', license: 'Apache-2.0' },
    'node_modules/etcd3/node_modules/cockatiel': { version: '3.1.1', license: 'MIT' },
    'node_modules/vitest': { version: '3.2.7', license: 'MIT', dev: true },
    'node_modules/fsevents': { version: '2.3.3', license: 'MIT', dev: true, optional: true },
    'node_modules/both': { version: '1.0.0', devOptional: true },
    'node_modules/@esbuild/linux-x64': { version: '0.28.2', optional: true },
    'node_modules/node-addon-api': { version: '8.3.0', license: 'MIT' },
    'node_modules/linked': { link: true },
  },
};

describe('runtimeModules', () => {
  it('keeps the production modules, nested ones too, sorted by path', () => {
    expect(runtimeModules(lock).map((m) => m.path)).toEqual([
      'node_modules/@esbuild/linux-x64', 'node_modules/@grpc/grpc-js', 'node_modules/etcd3/node_modules/cockatiel', 'node_modules/pino',
    ]);
  });

  it('leaves out dev modules, build-only node-addon-api and links', () => {
    const paths = runtimeModules(lock).map((m) => m.path);
    for (const gone of ['node_modules/vitest', 'node_modules/fsevents', 'node_modules/both', 'node_modules/node-addon-api', 'node_modules/linked']) expect(paths).not.toContain(gone);
  });

  it('carries each module\'s name, version and license, and whether it is optional', () => {
    expect(runtimeModules(lock).find((m) => m.path.endsWith('cockatiel'))).toEqual({ path: 'node_modules/etcd3/node_modules/cockatiel', name: 'cockatiel', version: '3.1.1', license: 'MIT', optional: false });
    expect(runtimeModules(lock)[0]?.optional).toBe(true);
  });

  it('refuses a lockfile without a packages map', () => {
    expect(() => runtimeModules({ lockfileVersion: 1 })).toThrow('package-lock.json: expected lockfileVersion 2 or 3 with a packages map, got 1');
  });
});

describe('moduleName', () => {
  it('keeps a scope', () => {
    expect(moduleName('node_modules/a/node_modules/@grpc/proto-loader')).toBe('@grpc/proto-loader');
  });
});

describe('shipsModuleFile', () => {
  it('ships code and data', () => {
    for (const f of ['index.js', 'lib/worker.js', 'build/src/index.cjs', 'protos/google/protobuf/any.proto', 'package.json', 'usage.txt']) expect(shipsModuleFile(f), f).toBe(true);
  });

  it('leaves out sources, declarations, maps, docs, web pages, images, tests and dot files', () => {
    for (const f of ['src/index.ts', 'index.d.ts', 'index.d.cts', 'index.js.map', 'README.md', 'docs/api.md', 'index.html', 'pino-banner.png', 'test/a.js', 'tests/data/file.txt', 'examples/x.js', '.npmignore', '.eslintrc', '.husky/pre-commit', 'LICENSE', 'LICENSE-MIT.txt', 'node_modules/x/index.js']) {
      expect(shipsModuleFile(f), f).toBe(false);
    }
  });
});

describe('isLicenseFile', () => {
  it('finds a license text at the top of a module only', () => {
    expect(['LICENSE', 'LICENSE.md', 'license', 'COPYING', 'LICENSE-MIT'].every(isLicenseFile)).toBe(true);
    expect(['lib/LICENSE', 'license-checker.js'].some(isLicenseFile)).toBe(false);
  });
});
