// Golden files: rendered output compared byte for byte with a saved copy.
// `UPDATE_GOLDEN=1 npm run test:unit` rewrites them; review the diff.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

export function expectGolden(relPath: string, actual: string): void {
  const file = join(GOLDEN_DIR, relPath);
  if (process.env.UPDATE_GOLDEN === '1' || (!existsSync(file) && process.env.CI !== 'true')) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(existsSync(file), `golden ${relPath} is missing (run with UPDATE_GOLDEN=1 and review)`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
