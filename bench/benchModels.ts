import { existsSync } from 'node:fs';
import path from 'node:path';
import { importLlama2c } from '../src/import/llama2c/importLlama2c.ts';
import { benchLog } from './benchLog.ts';
import { REPO_ROOT } from './exampleSentences.ts';

export interface BenchModel {
  readonly name: string;
  readonly dir: string;
  /** False for the shipped random-weight fixtures. */
  readonly pretrained: boolean;
}

const STORIES_DIR = path.resolve(REPO_ROOT, '../shared/models/stories260K');

/**
 * The fixture models, plus stories260K imported into `scratchDir` when ../shared is present
 * (it sits beside the repository in CI and on the lead's machine, never inside a user's clone).
 */
export function benchModels(scratchDir: string): BenchModel[] {
  const fixtures = path.join(REPO_ROOT, 'test', 'fixtures', 'models');
  const models: BenchModel[] = [
    { name: 'tiny-bert', dir: path.join(fixtures, 'tiny-bert'), pretrained: false },
    { name: 'tiny-gpt2', dir: path.join(fixtures, 'tiny-gpt2'), pretrained: false },
  ];
  const checkpointPath = path.join(STORIES_DIR, 'stories260K.bin');
  const tokenizerPath = path.join(STORIES_DIR, 'tok512.bin');
  if (existsSync(checkpointPath) && existsSync(tokenizerPath)) {
    const outDir = path.join(scratchDir, 'stories260K');
    importLlama2c({ checkpointPath, tokenizerPath, outDir });
    models.push({ name: 'stories260K', dir: outDir, pretrained: true });
  } else {
    benchLog(`stories260K skipped: ${STORIES_DIR} is absent`);
  }
  return models;
}
