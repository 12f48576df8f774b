import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real model files and reference vectors live in ../shared beside the repository and are never
 * copied into it. A user's fresh clone lacks them, so tests that need them skip with a message;
 * CI (DONALD_REQUIRE_SHARED=1, set by .ci/run) has them, and there a missing folder is a failure.
 */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = path.resolve(repoRoot, '../shared');
export const sharedModelsDir = path.join(sharedDir, 'models');
export const referenceDir = path.join(sharedDir, 'reference');

export function sharedAvailable(sub: string): boolean {
  const full = path.join(sharedDir, sub);
  const present = existsSync(full);
  if (!present) {
    if (process.env.DONALD_REQUIRE_SHARED === '1') {
      throw new Error(`${full} is missing but DONALD_REQUIRE_SHARED=1: CI must have ../shared`);
    }
    process.stderr.write(`skipping tests that need ${full}: folder absent (it sits beside the repository in CI)\n`);
  }
  return present;
}
