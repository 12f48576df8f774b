import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CorpusRecord } from '../src/corpus/corpusTypes.ts';
import { readCorpus } from '../src/corpus/readCorpus.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import { repoRoot } from './sharedAssets.ts';

describe('example study and corpus', () => {
  it('loads config/example-study.yaml and reads ~120 clean sentences per domain', async () => {
    const study = await loadStudy(path.join(repoRoot, 'config/example-study.yaml'));
    expect(study.name).toBe('example-study');
    expect(study.model).toBe(path.join(repoRoot, 'test/fixtures/models/tiny-gpt2'));
    expect(study.output).toBe(path.join(repoRoot, 'out/example-study'));

    const records: CorpusRecord[] = [];
    for await (const record of readCorpus(study.corpus)) records.push(record);
    expect(records.filter((r) => r.kind !== 'sentence')).toEqual([]);

    const perDomain = new Map<string, number>();
    for (const r of records) perDomain.set(r.domain, (perDomain.get(r.domain) ?? 0) + 1);
    expect([...perDomain.keys()].sort()).toEqual(['fiction', 'legal', 'news']);
    for (const n of perDomain.values()) expect(n).toBeGreaterThanOrEqual(115);

    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const sentences = records.flatMap((r) => (r.kind === 'sentence' ? [r.text] : []));
    expect(new Set(sentences).size).toBe(sentences.length);
    for (const text of sentences) {
      const words = text.split(/\s+/).length;
      expect(words, text).toBeGreaterThanOrEqual(6);
      expect(words, text).toBeLessThanOrEqual(40);
    }
  });
});
