import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorpusRecord, CorpusSource } from '../src/corpus/corpusTypes.ts';
import { readCorpus } from '../src/corpus/readCorpus.ts';
import { deriveSentenceId } from '../src/corpus/sentenceId.ts';
import { UserError } from '../src/userError.ts';

let root: string;

async function put(relative: string, content: string | Buffer): Promise<void> {
  const file = path.join(root, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

async function readAll(sources: CorpusSource[]): Promise<CorpusRecord[]> {
  const out: CorpusRecord[] = [];
  for await (const record of readCorpus(sources)) out.push(record);
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'donald-folder-'));
  await put('domains/news/b.txt', 'News B1.\n');
  await put('domains/news/a.txt', 'News A1.\nNews A2.\n');
  await put('domains/news/deeper/c.jsonl.gz', gzipSync('{"text": "News C1."}\n'));
  await put('domains/news/README.md', 'not a corpus file\n');
  await put('domains/news/.hidden.txt', 'Hidden.\n');
  await put('domains/fiction/story.csv', 'text,domain\nOnce.,\nTwice.,fairy\n');
  await put('domains/loose.txt', 'Loose line.\n');
  await put('empty/notes.md', 'nothing here\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('folder of domains', () => {
  it('reads files in sorted order, recursively, with domains from sub-folders', async () => {
    const records = await readAll([{ path: path.join(root, 'domains') }]);
    const summary = records.map((r) => [r.domain, r.kind === 'sentence' ? r.text : r.kind]);
    expect(summary).toEqual([
      ['fiction', 'Once.'],
      ['fairy', 'Twice.'],
      ['loose', 'Loose line.'],
      ['news', 'News A1.'],
      ['news', 'News A2.'],
      ['news', 'News B1.'],
      ['news', 'News C1.'],
    ]);
  });

  it('derives ids from the path relative to the folder', async () => {
    const records = await readAll([{ path: path.join(root, 'domains') }]);
    const deep = records.find((r) => r.kind === 'sentence' && r.text === 'News C1.');
    expect(deep?.id).toBe(deriveSentenceId('news/deeper/c.jsonl.gz', 1, 'News C1.'));
    expect(deep?.source).toBe(path.join(root, 'domains/news/deeper/c.jsonl.gz'));
  });

  it('lets the source domain win over sub-folder names but not over a record\'s own domain', async () => {
    const records = await readAll([{ path: path.join(root, 'domains'), domain: 'all' }]);
    expect(new Set(records.map((r) => r.domain))).toEqual(new Set(['all', 'fairy']));
  });

  it('reads only files of an explicit format', async () => {
    const records = await readAll([{ path: path.join(root, 'domains'), format: 'txt' }]);
    expect(records.map((r) => r.kind === 'sentence' && r.text)).toEqual(['Loose line.', 'News A1.', 'News A2.', 'News B1.']);
  });

  it('reads a sub-folder given directly, with domains from file names', async () => {
    const records = await readAll([{ path: path.join(root, 'domains/news') }]);
    expect(records.map((r) => r.domain)).toEqual(['a', 'a', 'b', 'deeper']);
  });

  it('rejects a folder without corpus files', async () => {
    await expect(readAll([{ path: path.join(root, 'empty') }])).rejects.toThrow(UserError);
    await expect(readAll([{ path: path.join(root, 'empty') }])).rejects.toThrow(/holds no corpus files/);
  });

  it('reads several sources in the order given', async () => {
    const records = await readAll([{ path: path.join(root, 'domains/loose.txt') }, { path: path.join(root, 'domains/news/b.txt') }]);
    expect(records.map((r) => r.kind === 'sentence' && r.text)).toEqual(['Loose line.', 'News B1.']);
  });
});
