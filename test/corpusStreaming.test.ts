import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCorpus } from '../src/corpus/readCorpus.ts';
import { deriveSentenceId } from '../src/corpus/sentenceId.ts';

const LINES = 200_000;
let dir: string;
let file: string;

function sentence(n: number): string {
  return `Sentence number ${n} of the generated corpus, padded to a realistic length with words.`;
}

/** Chunks of 1000 lines, so writing the file stays quick. */
function* generatedChunks(): Generator<string> {
  for (let start = 1; start <= LINES; start += 1000) {
    let chunk = '';
    for (let n = start; n < start + 1000 && n <= LINES; n += 1) chunk += `${sentence(n)}\n`;
    yield chunk;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donald-stream-'));
  file = path.join(dir, 'big.txt.gz');
  await pipeline(Readable.from(generatedChunks()), createGzip(), createWriteStream(file));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('streaming a large gzip corpus', () => {
  it('yields every line once, in order, keeping only counters in memory', async () => {
    let count = 0;
    let firstId = '';
    let lastId = '';
    let lastLine = 0;
    let inOrder = true;
    for await (const record of readCorpus([{ path: file }])) {
      count += 1;
      if (record.line !== lastLine + 1 || record.kind !== 'sentence') inOrder = false;
      lastLine = record.line;
      if (count === 1) firstId = record.id;
      lastId = record.id;
    }
    expect(count).toBe(LINES);
    expect(inOrder).toBe(true);
    expect(firstId).toBe(deriveSentenceId('big.txt.gz', 1, sentence(1)));
    expect(lastId).toBe(deriveSentenceId('big.txt.gz', LINES, sentence(LINES)));
  });

  it('finishes cleanly when the consumer stops early, and a new read starts afresh', async () => {
    const records = readCorpus([{ path: file }]);
    const seen: string[] = [];
    for await (const record of records) {
      seen.push(record.id);
      if (seen.length === 3) break;
    }
    expect(seen).toHaveLength(3);
    expect(await records.next()).toEqual({ done: true, value: undefined });
    const again = readCorpus([{ path: file }]);
    const first = await again.next();
    await again.return(undefined);
    expect(first.value?.id).toBe(seen[0]);
  });
});
