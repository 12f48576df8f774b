/**
 * `npm run fixtures [-- <output dir>]`: writes the tiny random-weight test models (default
 * test/fixtures/models). The output is byte-identical on every run, so the committed copies
 * change only when the generator does.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { writeFixtureModels } from '../src/fixtures/fixtureModels.ts';

const outDir = path.resolve(process.argv[2] ?? 'test/fixtures/models');
for (const file of writeFixtureModels(outDir)) {
  process.stdout.write(`${path.relative(process.cwd(), file)}  ${statSync(file).size} bytes\n`);
}
