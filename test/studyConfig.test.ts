import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DTI_PARAMS } from '../src/math/dtiTypes.ts';
import { canonicalJson } from '../src/study/canonicalJson.ts';
import { loadStudy } from '../src/study/loadStudy.ts';
import { studyForManifest, studyHash } from '../src/study/studyManifest.ts';
import { UserError } from '../src/userError.ts';

let dir: string;
let configDir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donald-study-'));
  configDir = path.join(dir, 'config');
  await mkdir(configDir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function studyFile(name: string, content: string): Promise<string> {
  const file = path.join(configDir, name);
  await writeFile(file, content);
  return file;
}

const MINIMAL = 'name: mini\nmodel: ../models/tiny\ncorpus:\n  - { path: corpus/news.txt, domain: news }\n  - corpus/fiction.jsonl\n';

/** The UserError message loadStudy throws for this YAML content. */
async function errorOf(content: string, name = 'bad.yaml'): Promise<string> {
  const file = await studyFile(name, content);
  try {
    await loadStudy(file);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).message;
  }
  throw new Error('expected loadStudy to throw');
}

describe('loadStudy: valid files', () => {
  it('fills defaults and resolves paths against the study folder', async () => {
    const file = await studyFile('mini.yaml', MINIMAL);
    const study = await loadStudy(file, {});
    expect(study).toEqual({
      file,
      name: 'mini',
      model: path.join(dir, 'models/tiny'),
      corpus: [
        { path: path.join(configDir, 'corpus/news.txt'), format: 'auto', domain: 'news' },
        { path: path.join(configDir, 'corpus/fiction.jsonl'), format: 'auto' },
      ],
      dti: DEFAULT_DTI_PARAMS,
      modelOptions: { dropSpecialTokens: false, truncate: false, batchSize: 16, maxTokens: null, intraOpThreads: null, graphOptimization: 'all', executionProvider: 'cpu' },
      output: path.join(configDir, 'out/mini'),
      fields: false,
      redis: { url: 'redis://127.0.0.1:6379', queue: 'donald-mini' },
      concurrency: 1,
      jobs: { batchSize: 32, attempts: 3, backoffMs: 1000, keepCompleted: 1000, keepFailed: 5000, maxQueued: 200, lockMs: 30000, maxResultBacklog: 50000, aggregateSegment: 20000 },
    });
  });

  it('keeps given values, fills the rest of a partial section, and parses 1e-8', async () => {
    const file = await studyFile(
      'full.yaml',
      `${MINIMAL}dti: { normalise: column, sigmaGrad: [0, 2], eps: 1e-6 }\nmodelOptions: { truncate: true, maxTokens: 64 }\noutput: /tmp/abs-out\nfields: true\nredis: { url: 'rediss://cache:6380' }\nconcurrency: 4\njobs: { attempts: 5 }\n`,
    );
    const study = await loadStudy(file);
    expect(study.dti).toEqual({ normalise: 'column', sigmaGrad: [0, 2], sigmaTensor: [1, 1], eps: 1e-6 });
    expect(study.modelOptions).toMatchObject({ truncate: true, maxTokens: 64, batchSize: 16, dropSpecialTokens: false });
    expect(study.output).toBe('/tmp/abs-out');
    expect(study.fields).toBe(true);
    expect(study.redis).toEqual({ url: 'rediss://cache:6380', queue: 'donald-mini' });
    expect(study.concurrency).toBe(4);
    expect(study.jobs).toMatchObject({ attempts: 5, batchSize: 32 });
  });

  it('reads JSON exactly like the equivalent YAML', async () => {
    const yamlFile = await studyFile('same.yaml', `${MINIMAL}dti: { eps: 1e-8, sigmaTensor: [2, 0.5] }\n`);
    const jsonFile = await studyFile(
      'same.json',
      JSON.stringify({ name: 'mini', model: '../models/tiny', corpus: [{ path: 'corpus/news.txt', domain: 'news' }, 'corpus/fiction.jsonl'], dti: { eps: 1e-8, sigmaTensor: [2, 0.5] } }),
    );
    const fromYaml = await loadStudy(yamlFile);
    const fromJson = await loadStudy(jsonFile);
    expect({ ...fromJson, file: '' }).toEqual({ ...fromYaml, file: '' });
  });

  it('takes the name from the file name when name is left out', async () => {
    const file = await studyFile('my-study.yml', 'model: m\ncorpus: [c.txt]\n');
    const study = await loadStudy(file);
    expect(study.name).toBe('my-study');
    expect(study.redis.queue).toBe('donald-my-study');
  });
});

describe('loadStudy: overrides', () => {
  it('replaces the corpus, model and output, resolving against the working directory', async () => {
    const file = await studyFile('over.yaml', MINIMAL);
    const study = await loadStudy(file, { corpus: ['a.txt', 'data/b.csv'], domain: 'mixed', model: 'm2', out: 'results' });
    expect(study.corpus).toEqual([
      { path: path.resolve('a.txt'), format: 'auto', domain: 'mixed' },
      { path: path.resolve('data/b.csv'), format: 'auto', domain: 'mixed' },
    ]);
    expect(study.model).toBe(path.resolve('m2'));
    expect(study.output).toBe(path.resolve('results'));
  });

  it('supplies a model and corpus the file lacks', async () => {
    const file = await studyFile('bare.yaml', 'name: bare\n');
    const study = await loadStudy(file, { corpus: ['x.txt'], model: '/models/x' });
    expect(study.corpus).toEqual([{ path: path.resolve('x.txt'), format: 'auto' }]);
    expect(study.model).toBe('/models/x');
  });

  it('rejects --domain without --corpus, and a missing model or corpus', async () => {
    const file = await studyFile('bare2.yaml', 'name: bare2\n');
    await expect(loadStudy(file, { domain: 'x', model: 'm', corpus: [] })).rejects.toThrow(/--domain names the domain of --corpus sources/);
    await expect(loadStudy(file, { corpus: ['x.txt'] })).rejects.toThrow(/model: missing; set model: <model folder> in the study or pass --model/);
    await expect(loadStudy(file, { model: 'm' })).rejects.toThrow(/corpus: missing/);
  });
});

describe('loadStudy: invalid files name the key and what is expected', () => {
  const cases: [string, string, RegExp][] = [
    ['corpus path not a string', 'name: s\nmodel: m\ncorpus:\n  - a.txt\n  - { path: 3 }\n', /: corpus\[1\]\.path: expected a string, got 3$/m],
    ['corpus entry missing path', 'name: s\nmodel: m\ncorpus: [{ domain: news }]\n', /: corpus\[0\]\.path: missing; expected a string/],
    ['empty corpus list', 'name: s\nmodel: m\ncorpus: []\n', /: corpus: expected at least 1 item/],
    ['unknown format', 'name: s\nmodel: m\ncorpus: [{ path: a, format: xml }]\n', /: corpus\[0\]\.format: expected one of "auto", "txt", "jsonl", "csv", "tsv", got "xml"/],
    ['bad normalise', 'name: s\nmodel: m\ncorpus: [a.txt]\ndti: { normalise: rows }\n', /: dti\.normalise: expected one of "row", "column", "global", "none", got "rows"/],
    ['sigma with one value', 'name: s\nmodel: m\ncorpus: [a.txt]\ndti: { sigmaGrad: [1] }\n', /: dti\.sigmaGrad: expected at least 2 item/],
    ['negative sigma', 'name: s\nmodel: m\ncorpus: [a.txt]\ndti: { sigmaTensor: [1, -1] }\n', /: dti\.sigmaTensor\[1\]: expected a number >= 0/],
    ['zero eps', 'name: s\nmodel: m\ncorpus: [a.txt]\ndti: { eps: 0 }\n', /: dti\.eps: expected a number > 0/],
    ['fractional batch size', 'name: s\nmodel: m\ncorpus: [a.txt]\nmodelOptions: { batchSize: 2.5 }\n', /: modelOptions\.batchSize: expected an integer, got 2\.5/],
    ['zero concurrency', 'name: s\nmodel: m\ncorpus: [a.txt]\nconcurrency: 0\n', /: concurrency: expected a number >= 1/],
    ['fields as string', 'name: s\nmodel: m\ncorpus: [a.txt]\nfields: "yes"\n', /: fields: expected true or false, got "yes"/],
    ['bad redis url', 'name: s\nmodel: m\ncorpus: [a.txt]\nredis: { url: "http://x" }\n', /: redis\.url: expected a redis:\/\/ or rediss:\/\/ URL/],
    ['bad name', 'name: "my study"\nmodel: m\ncorpus: [a.txt]\n', /: name: expected letters, digits/],
    ['snake_case key', 'name: s\nmodel: m\ncorpus: [a.txt]\nmodel_options: { truncate: true }\n', /: model_options: unknown key \(keys are camelCase: did you mean modelOptions\?\)/],
    ['unknown nested key', 'name: s\nmodel: m\ncorpus: [a.txt]\njobs: { retries: 2 }\n', /: jobs\.retries: unknown key; check its spelling/],
    ['not a mapping', '- just\n- a list\n', /: \(top level\): expected a mapping of keys to values, got a list/],
  ];
  for (const [what, content, expected] of cases) {
    it(what, async () => {
      const message = await errorOf(content);
      expect(message.startsWith(`study ${path.join(configDir, 'bad.yaml')}: `)).toBe(true);
      expect(message).toMatch(expected);
    });
  }

  it('lists every problem, one per line', async () => {
    const message = await errorOf('name: s\nmodel: 5\ncorpus: [{ path: a, colour: red }]\nconcurrency: -1\n');
    const lines = message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.startsWith(`study ${path.join(configDir, 'bad.yaml')}: `))).toBe(true);
    expect(message).toContain(': model: expected a string, got 5');
    expect(message).toContain(': corpus[0].colour: unknown key');
    expect(message).toContain(': concurrency: expected a number >= 1');
  });

  it('reports YAML syntax errors with their line', async () => {
    const message = await errorOf('name: s\nmodel: [unclosed\ncorpus: x\n');
    expect(message).toMatch(/bad\.yaml line \d+: not valid YAML/);
  });

  it('reports bad JSON, a missing file and an unknown extension', async () => {
    expect(await errorOf('{"name": ', 'bad.json')).toMatch(/bad\.json: not valid JSON/);
    await expect(loadStudy(path.join(configDir, 'absent.yaml'))).rejects.toThrow(/absent\.yaml: cannot read the study file/);
    expect(await errorOf('name: s', 'study.toml')).toMatch(/study\.toml: unknown study file type "\.toml"/);
  });
});

describe('manifest form', () => {
  it('is plain JSON of the whole study and hashes only what decides the numbers', async () => {
    const file = await studyFile('hash.yaml', MINIMAL);
    const study = await loadStudy(file);
    const manifest = studyForManifest(study);
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
    expect(manifest.name).toBe('mini');
    expect(manifest.dti).toEqual({ normalise: 'row', sigmaGrad: [1, 1], sigmaTensor: [1, 1], eps: 1e-8 });

    const hash = studyHash(study);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(studyHash({ ...study, output: '/elsewhere', concurrency: 8, jobs: { ...study.jobs, batchSize: 1 } })).toBe(hash);
    expect(studyHash({ ...study, dti: { ...study.dti, eps: 1e-6 } })).not.toBe(hash);
    expect(studyHash({ ...study, corpus: study.corpus.slice(0, 1) })).not.toBe(hash);
    expect(studyHash({ ...study, modelOptions: { ...study.modelOptions, truncate: true } })).not.toBe(hash);
  });

  it('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: [{ d: true, c: null }], e: 'x' })).toBe('{"a":[{"c":null,"d":true}],"b":1,"e":"x"}');
  });
});
