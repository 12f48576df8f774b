/**
 * The README's main command end to end, as a user runs it: `donald run config/example-study.yaml`
 * in a child process, its outputs read back with an independent Parquet reader (hyparquet), and
 * the statistics recomputed from the per-sentence values by a plain two-pass computation.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  STUDY_OUTPUT_FILES,
  exampleCorpusDir,
  exampleStudyFile,
  fileLines,
  killLiveChildren,
  makeTempDir,
  parseCsv,
  readFailures,
  readLayerStats,
  readManifest,
  readSentences,
  runDonald,
  tinyGpt2,
  type SentenceRow,
} from './studyFixtures.ts';

interface TinyConfig {
  readonly n_layer: number;
  readonly n_positions: number;
}

let tmp: string;
let config: TinyConfig;

beforeAll(async () => {
  tmp = await makeTempDir('embedded');
  config = JSON.parse(await readFile(path.join(tinyGpt2, 'config.json'), 'utf8')) as TinyConfig;
});

afterAll(async () => {
  await killLiveChildren();
  await rm(tmp, { recursive: true, force: true });
});

/** Two-pass mean and sample SD (n - 1), the textbook way: no streaming update involved. */
function twoPass(values: readonly number[]): { n: number; mean: number; sd: number | null } {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  if (n < 2) return { n, mean, sd: null };
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { n, mean, sd: Math.sqrt(ss / (n - 1)) };
}

describe('donald run config/example-study.yaml', () => {
  let out: string;
  let sentences: SentenceRow[];
  let stats: Record<string, string | number | null>[];

  beforeAll(async () => {
    out = path.join(tmp, 'example');
    const run = await runDonald(['run', exampleStudyFile, '--out', out]);
    if (run.code !== 0) throw new Error(`donald run exited ${run.code}: ${run.stderr}`);
    sentences = await readSentences(out);
    stats = await readLayerStats(out);
  });

  it('writes every output file and leaves no working files behind', () => {
    for (const name of STUDY_OUTPUT_FILES) expect(existsSync(path.join(out, name)), name).toBe(true);
    expect(existsSync(path.join(out, '.segments'))).toBe(false);
    expect(existsSync(path.join(out, '.aggregate-state.json'))).toBe(false);
  });

  it('closes the sentence accounts against the corpus files as the test counts them', async () => {
    const { counts, notes } = await readManifest(out);
    // Lines per source, counted here: txt and jsonl one record per line, csv one per row after the header.
    const news = fileLines(await readFile(path.join(exampleCorpusDir, 'news.txt'), 'utf8')).length;
    const fiction = fileLines(await readFile(path.join(exampleCorpusDir, 'fiction.jsonl'), 'utf8')).length;
    const legal = parseCsv(await readFile(path.join(exampleCorpusDir, 'legal.csv'), 'utf8')).length - 1;
    expect(counts.read).toBe(news + fiction + legal);
    expect(counts.read).toBe(counts.processed + counts.failed + counts.duplicate + counts.empty);
    // The example corpus is clean: every line is a distinct sentence the model takes.
    expect(counts).toEqual({ read: news + fiction + legal, processed: news + fiction + legal, failed: 0, duplicate: 0, empty: 0 });
    expect(await readFile(path.join(out, 'failures.jsonl'), 'utf8')).toBe('');
    expect(notes.some((n) => /random weights/i.test(n))).toBe(true);
  });

  it('has one sentences.parquet row per processed sentence, unique ids, utilisation in [0, 1] per layer', async () => {
    const { counts } = await readManifest(out);
    expect(sentences.length).toBe(counts.processed);
    expect(new Set(sentences.map((s) => s.id)).size).toBe(sentences.length);
    expect(new Set(sentences.map((s) => s.domain))).toEqual(new Set(['news', 'fiction', 'legal']));
    for (const s of sentences) {
      expect(s.utilisation.length).toBe(config.n_layer);
      for (const u of s.utilisation) {
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThanOrEqual(1);
      }
    }
  });

  it('has (domains + 1) x layers layer_stats rows whose means and SDs match a two-pass computation within 1e-12', () => {
    const domains = [...new Set(sentences.map((s) => s.domain))];
    expect(stats.length).toBe((domains.length + 1) * config.n_layer);
    const groups = new Map<string, SentenceRow[]>([['all', sentences]]);
    for (const d of domains) groups.set(d, sentences.filter((s) => s.domain === d));
    const seen = new Set<string>();
    for (const row of stats) {
      const domain = String(row.domain);
      const layer = Number(row.layer);
      seen.add(`${domain}/${layer}`);
      const group = groups.get(domain);
      expect(group, `domain ${domain}`).toBeDefined();
      if (group === undefined) continue;
      // Layers are numbered from 1 (the embeddings are not kept): array index layer - 1.
      const u = twoPass(group.map((s) => s.utilisation[layer - 1]));
      const a = twoPass(group.map((s) => s.meanAnisotropy[layer - 1]));
      expect(row.n).toBe(u.n);
      expect(Math.abs(Number(row.utilisationMean) - u.mean)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(Number(row.utilisationSd) - Number(u.sd))).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(Number(row.anisotropyMean) - a.mean)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(Number(row.anisotropySd) - Number(a.sd))).toBeLessThanOrEqual(1e-12);
    }
    expect(seen.size).toBe(stats.length);
  });

  it('ranks each domain\'s layers in ranking.json from least to most utilised', async () => {
    interface RankingLayer {
      readonly layer: number;
      readonly duckRank: number;
      readonly utilisationMean: number;
    }
    const ranking = JSON.parse(await readFile(path.join(out, 'ranking.json'), 'utf8')) as { domain: string; layers: RankingLayer[] }[];
    const domains = new Set(sentences.map((s) => s.domain));
    expect(new Set(ranking.map((r) => r.domain))).toEqual(new Set(['all', ...domains]));
    const allLayers = Array.from({ length: config.n_layer }, (_, i) => i + 1);
    for (const r of ranking) {
      expect([...r.layers.map((l) => l.layer)].sort((x, y) => x - y)).toEqual(allLayers);
      expect(r.layers.map((l) => l.duckRank)).toEqual(allLayers);
      for (let i = 1; i < r.layers.length; i++) expect(r.layers[i].utilisationMean).toBeGreaterThanOrEqual(r.layers[i - 1].utilisationMean);
      for (const l of r.layers) {
        const row = stats.find((s) => s.domain === r.domain && s.layer === l.layer);
        expect(row?.utilisationMean).toBe(l.utilisationMean);
      }
    }
  });
});

describe('donald run on bad input', () => {
  it('counts a malformed line, a blank line, a duplicate and an over-long sentence, and names each failure', async () => {
    const dir = path.join(tmp, 'bad');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // Well over the model's limit whatever the tokenizer does: one token per word at least.
    const longText = Array.from({ length: config.n_positions + 50 }, (_, i) => `word${i % 7}`).join(' ');
    const jsonl = [
      JSON.stringify({ id: 'ok-1', text: 'The cat sat on the mat.' }),
      '{"id": "broken", "text": "an unterminated string',
      '',
      JSON.stringify({ id: 'ok-2', text: 'The dog ran home before the rain.' }),
      JSON.stringify({ id: 'dup-of-ok-1', text: 'The cat sat on the mat.' }),
      JSON.stringify({ id: 'too-long', text: longText }),
    ];
    const jsonlFile = path.join(dir, 'mixed.jsonl');
    await writeFile(jsonlFile, `${jsonl.join('\n')}\n`);
    const txtFile = path.join(dir, 'plain.txt');
    await writeFile(txtFile, 'A short clean sentence.\nAnother short clean sentence.\n');
    const out = path.join(dir, 'out');

    const run = await runDonald(['run', exampleStudyFile, '--corpus', jsonlFile, '--corpus', txtFile, '--out', out, '--no-progress']);
    expect(run.code, run.stderr).toBe(0);

    const { counts } = await readManifest(out);
    expect(counts).toEqual({ read: jsonl.length + 2, processed: 4, failed: 2, duplicate: 1, empty: 1 });
    expect(counts.read).toBe(counts.processed + counts.failed + counts.duplicate + counts.empty);

    const failures = await readFailures(out);
    expect(failures.length).toBe(2);
    const malformed = failures.find((f) => f.line === 2);
    expect(malformed?.source).toBe(jsonlFile);
    expect(malformed?.reason).toMatch(/line 2/);
    expect(malformed?.reason).toMatch(/JSON/);
    const tooLong = failures.find((f) => f.id === 'too-long');
    expect(tooLong?.line).toBe(6);
    expect(tooLong?.reason).toMatch(/tokens/);
    expect(tooLong?.reason).toContain(String(config.n_positions));

    const sentences = await readSentences(out);
    expect(sentences.length).toBe(counts.processed);
    expect(new Set(sentences.map((s) => s.id)).size).toBe(sentences.length);
    expect(sentences.filter((s) => s.domain === 'mixed').map((s) => s.id).sort()).toEqual(['ok-1', 'ok-2']);
    expect(sentences.filter((s) => s.domain === 'plain').length).toBe(2);
  });

  it('rejects a study file with an unknown key with exit code 2 and names the key', async () => {
    const dir = path.join(tmp, 'badkey');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'study.yaml');
    await writeFile(file, `name: bad-key\nmodel: ${tinyGpt2}\ncorpus: [${path.join(exampleCorpusDir, 'news.txt')}]\nmodelOptions: { batchSize: 4, maxTokenz: 64 }\n`);
    const out = path.join(dir, 'out');
    const run = await runDonald(['run', file, '--out', out, '--no-progress']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/modelOptions\.maxTokenz/);
    expect(run.stderr).not.toMatch(/^\s+at /m); // a one-line user error, no stack trace
    expect(existsSync(out)).toBe(false);
  });
});
