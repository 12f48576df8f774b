import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorpusRecord, CorpusSource } from '../src/corpus/corpusTypes.ts';
import { readCorpus } from '../src/corpus/readCorpus.ts';
import { deriveSentenceId, sentenceTextHash } from '../src/corpus/sentenceId.ts';
import { UserError } from '../src/userError.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'donald-corpus-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function readAll(sources: CorpusSource[]): Promise<CorpusRecord[]> {
  const out: CorpusRecord[] = [];
  for await (const record of readCorpus(sources)) out.push(record);
  return out;
}

function texts(records: CorpusRecord[]): string[] {
  return records.flatMap((r) => (r.kind === 'sentence' ? [r.text] : []));
}

describe('txt', () => {
  it('yields one record per line, blank lines as empty, trimmed text, domain from the file name', async () => {
    const file = await write('news.txt', 'First sentence.\r\n\n  Second one.  \n   \nThird.');
    const records = await readAll([{ path: file }]);
    expect(records.map((r) => r.kind)).toEqual(['sentence', 'empty', 'sentence', 'empty', 'sentence']);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(texts(records)).toEqual(['First sentence.', 'Second one.', 'Third.']);
    expect(new Set(records.map((r) => r.domain))).toEqual(new Set(['news']));
    expect(records[0].source).toBe(file);
  });

  it('derives ids as sha256(basename:line:text) cut to 16 hex characters', async () => {
    const file = await write('ids.txt', 'Alpha.\nBeta.\n');
    const records = await readAll([{ path: file }]);
    expect(records[0].id).toBe(deriveSentenceId('ids.txt', 1, 'Alpha.'));
    expect(records[1].id).toMatch(/^[0-9a-f]{16}$/);
    expect(records[1].id).not.toBe(records[0].id);
  });

  it('gives the same ids on a second read', async () => {
    const file = await write('stable.txt', 'One.\nTwo.\n\nThree.\n');
    const first = (await readAll([{ path: file }])).map((r) => r.id);
    const second = (await readAll([{ path: file }])).map((r) => r.id);
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(4);
  });

  it('strips a byte-order mark and prefers the source domain over the file name', async () => {
    const file = await write('bom.txt', '\uFEFFHello there.\n');
    const records = await readAll([{ path: file, domain: 'greetings' }]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'sentence', text: 'Hello there.', domain: 'greetings' });
  });

  it('reads a .txt.gz file and names the domain without both extensions', async () => {
    const file = await write('poems.txt.gz', gzipSync('Roses are red.\nViolets are blue.\n'));
    const records = await readAll([{ path: file }]);
    expect(texts(records)).toEqual(['Roses are red.', 'Violets are blue.']);
    expect(records[0].domain).toBe('poems');
    expect(records[0].id).toBe(deriveSentenceId('poems.txt.gz', 1, 'Roses are red.'));
  });
});

describe('jsonl', () => {
  it('reads text, id and domain; counts bad lines as invalid with file and line', async () => {
    const file = await write(
      'mixed.jsonl',
      [
        '{"id": "a1", "text": "A good line.", "domain": "science"}',
        '{"text": "No id here."}',
        '',
        '{"text": "broken"',
        '["not", "an", "object"]',
        '{"id": "a6"}',
        '{"id": 7, "text": "   "}',
        '{"id": 8, "text": "Numeric id."}',
        '{"text": 42}',
      ].join('\n'),
    );
    const records = await readAll([{ path: file, domain: 'fallback' }]);
    expect(records.map((r) => r.kind)).toEqual(['sentence', 'sentence', 'empty', 'invalid', 'invalid', 'invalid', 'empty', 'sentence', 'invalid']);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(records[0]).toMatchObject({ id: 'a1', domain: 'science', text: 'A good line.' });
    expect(records[1]).toMatchObject({ id: deriveSentenceId('mixed.jsonl', 2, 'No id here.'), domain: 'fallback' });
    const bad = records[3];
    expect(bad.kind).toBe('invalid');
    if (bad.kind === 'invalid') {
      expect(bad.reason).toContain(`${file} line 4`);
      expect(bad.reason).toContain('not valid JSON');
    }
    const noText = records[5];
    if (noText.kind === 'invalid') expect(noText.reason).toContain('no "text" key');
    expect(noText.id).toBe('a6');
    expect(records[6].id).toBe('7');
    expect(records[7]).toMatchObject({ id: '8', text: 'Numeric id.' });
  });

  it('honours custom column names', async () => {
    const file = await write('custom.jsonl', '{"sentence": "Custom key.", "sid": "s-1", "area": "law"}\n');
    const records = await readAll([{ path: file, textColumn: 'sentence', idColumn: 'sid', domainColumn: 'area' }]);
    expect(records).toEqual([{ kind: 'sentence', id: 's-1', domain: 'law', text: 'Custom key.', source: file, line: 1 }]);
  });

  it('reads .jsonl.gz', async () => {
    const file = await write('fic.jsonl.gz', gzipSync('{"text": "Once upon a time."}\n{"text": "The end."}\n'));
    expect(texts(await readAll([{ path: file }]))).toEqual(['Once upon a time.', 'The end.']);
  });
});

describe('csv and tsv', () => {
  it('parses quoted fields with commas, doubled quotes and line breaks (RFC 4180)', async () => {
    const file = await write(
      'legal.csv',
      [
        'id,section,text',
        'l1,general,"The Supplier shall, on request, provide a copy."',
        'l2,defs,"""Business Day"" means any weekday."',
        'l3,multi,"First line',
        'second line, still the same field."',
        '',
        'l5,plain,Plain text without quotes.',
      ].join('\r\n') + '\r\n',
    );
    const records = await readAll([{ path: file }]);
    expect(records.map((r) => r.kind)).toEqual(['sentence', 'sentence', 'sentence', 'empty', 'sentence']);
    expect(records.map((r) => r.line)).toEqual([2, 3, 4, 6, 7]);
    expect(records.map((r) => r.id)).toEqual(['l1', 'l2', 'l3', deriveSentenceId('legal.csv', 6, ''), 'l5']);
    expect(texts(records)).toEqual([
      'The Supplier shall, on request, provide a copy.',
      '"Business Day" means any weekday.',
      'First line\nsecond line, still the same field.',
      'Plain text without quotes.',
    ]);
    expect(records[0].domain).toBe('legal');
  });

  it('uses the domain column when present and counts short or malformed rows as invalid', async () => {
    const file = await write(
      'rows.csv',
      ['domain,id,text', 'news,n1,Fine.', ',n2,Blank domain falls back.', 'x', 'news,n4,"closed" then junk', 'news,n5,"never closed'].join('\n'),
    );
    const records = await readAll([{ path: file }]);
    expect(records.map((r) => r.kind)).toEqual(['sentence', 'sentence', 'invalid', 'invalid', 'invalid']);
    // The short row 'x' fills the domain column; malformed rows have no trustworthy fields at all.
    expect(records.map((r) => r.domain)).toEqual(['news', 'rows', 'x', 'rows', 'rows']);
    const reasons = records.flatMap((r) => (r.kind === 'invalid' ? [r.reason] : []));
    expect(reasons[0]).toContain(`${file} line 4`);
    expect(reasons[0]).toContain('too few');
    expect(reasons[1]).toContain('line 5');
    expect(reasons[1]).toContain('after the closing quote');
    expect(reasons[2]).toContain('line 6');
    expect(reasons[2]).toContain('never closed');
  });

  it('reads TSV with a custom text column, plain and gzipped', async () => {
    const content = 'sid\tsentence\nt1\tTabs, not commas.\nt2\t"Quoted\tfield."\n';
    const plain = await write('tab.tsv', content);
    const zipped = await write('tabz.tsv.gz', gzipSync(content));
    for (const file of [plain, zipped]) {
      const records = await readAll([{ path: file, textColumn: 'sentence', idColumn: 'sid' }]);
      expect(records.map((r) => r.id)).toEqual(['t1', 't2']);
      expect(texts(records)).toEqual(['Tabs, not commas.', 'Quoted\tfield.']);
    }
  });

  it('reads .csv.gz', async () => {
    const file = await write('g.csv.gz', gzipSync('text\n"A, B."\n'));
    expect(texts(await readAll([{ path: file }]))).toEqual(['A, B.']);
  });

  it('rejects a header without the text column, naming the columns found', async () => {
    const file = await write('nohead.csv', 'id,body\n1,Hello.\n');
    await expect(readAll([{ path: file }])).rejects.toThrow(UserError);
    await expect(readAll([{ path: file }])).rejects.toThrow(/nohead\.csv line 1: no "text" column \(columns: id, body\)/);
  });

  it('rejects an explicitly named id column that the header lacks', async () => {
    const file = await write('noid.csv', 'text\nHello.\n');
    await expect(readAll([{ path: file, idColumn: 'uid' }])).rejects.toThrow(/no "uid" column/);
  });
});

describe('errors', () => {
  it('names a missing file', async () => {
    const missing = path.join(dir, 'nope.txt');
    await expect(readAll([{ path: missing }])).rejects.toThrow(UserError);
    await expect(readAll([{ path: missing }])).rejects.toThrow(missing);
  });

  it('names a file with an unknown extension unless the format is given', async () => {
    const file = await write('corpus.dat', 'A line.\n');
    await expect(readAll([{ path: file }])).rejects.toThrow(/corpus\.dat: cannot tell its format/);
    expect(texts(await readAll([{ path: file, format: 'txt' }]))).toEqual(['A line.']);
  });

  it('names a .gz file that is not gzip', async () => {
    const file = await write('fake.txt.gz', 'plain text, not gzip\n');
    await expect(readAll([{ path: file }])).rejects.toThrow(UserError);
    await expect(readAll([{ path: file }])).rejects.toThrow(/fake\.txt\.gz: not readable as gzip/);
  });

  it('names a truncated gzip file', async () => {
    const whole = gzipSync('Line one.\nLine two.\n'.repeat(100));
    const file = await write('cut.txt.gz', whole.subarray(0, whole.length - 12));
    await expect(readAll([{ path: file }])).rejects.toThrow(/cut\.txt\.gz: the gzip stream ends early \(file truncated\?\)/);
  });
});

describe('sentenceTextHash', () => {
  it('is the sha256 of the NFC-normalised trimmed text', () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    expect(sentenceTextHash(` ${decomposed}\n`)).toBe(sentenceTextHash(composed));
    expect(sentenceTextHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sentenceTextHash('abc')).not.toBe(sentenceTextHash('abd'));
  });
});
