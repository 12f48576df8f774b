import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCorpus } from '../src/corpus/readCorpus.ts';
import { loadStudy } from '../src/study/loadStudy.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ExampleSentence {
  readonly domain: string;
  readonly text: string;
}

/** The example study's corpus (three domains), read through the same readers a study uses. */
export async function exampleSentences(): Promise<ExampleSentence[]> {
  const study = await loadStudy(path.join(REPO_ROOT, 'config', 'example-study.yaml'));
  const sentences: ExampleSentence[] = [];
  for await (const record of readCorpus(study.corpus)) {
    if (record.kind === 'sentence') sentences.push({ domain: record.domain, text: record.text });
  }
  return sentences;
}

/** Sentences grouped by domain, domains in first-seen order. */
export function byDomain(sentences: readonly ExampleSentence[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { domain, text } of sentences) {
    const group = groups.get(domain) ?? [];
    group.push(text);
    groups.set(domain, group);
  }
  return groups;
}
