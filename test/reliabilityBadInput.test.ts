/**
 * Reliability on bad input (issue 7): every bad input becomes a failure record with its reason,
 * a count (empty, duplicate), or, when the whole run cannot be trusted, one clear line on stderr
 * with exit code 2 and no manifest.json. Nothing crashes the study and nothing is dropped silently.
 *
 * SENTENCE_CASES are the per-sentence inputs, all read by ONE `donald run` over a corpus folder
 * built from the table itself (one line per case, in table order); RUN_ERRORS are the inputs that
 * stop a run. The `input` and `does` columns of both tables are what RELIABILITY.md lists.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLines, type SourceLine } from '../src/corpus/lineStream.ts';
import { deriveSentenceId } from '../src/corpus/sentenceId.ts';
import { firstInvalidUtf8Byte } from '../src/corpus/utf8Validity.ts';
import { openModel } from '../src/model/onnxHiddenStateModel.ts';
import { DEFAULT_DTI_PARAMS } from '../src/math/dtiTypes.ts';
import { analyseSentences } from '../src/pipeline/sentenceAnalysis.ts';
import {
  killLiveChildren,
  makeTempDir,
  readFailures,
  readManifest,
  readParquetRows,
  runDonald,
  tinyGpt2,
  writeStudyFile,
  type FailureLine,
} from './studyFixtures.ts';

const tinyBert = path.join(path.dirname(tinyGpt2), 'tiny-bert');

type CorpusFileName = 'plain.txt' | 'records.jsonl' | 'table.csv';

type Outcome =
  | { readonly kind: 'processed' }
  /** `{file}` stands for the corpus file's absolute path. */
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'empty' };

interface SentenceCase {
  /** The test's name. */
  readonly name: string;
  /** The bad input, for the RELIABILITY.md table. */
  readonly input: string;
  /** What the tool does with it, for the table. */
  readonly does: string;
  readonly file: CorpusFileName;
  /** The line as written, without its terminator. */
  readonly bytes: Buffer;
  readonly ending?: '\r\n';
  /** The sentence the tool must see (txt lines: it derives the id). */
  readonly text?: string;
  /** The record's own id (jsonl, csv). */
  readonly id?: string;
  readonly expect: Outcome;
  /** Further checks on the sentences.parquet row of a processed sentence. */
  readonly row?: (row: SentenceRowView, text: string) => void;
}

interface SentenceRowView {
  readonly id: string;
  readonly tokens: string[];
  readonly utilisation: number[];
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const json = (value: object): Buffer => utf8(JSON.stringify(value));

/** `prefix`, one raw byte, `suffix`; `at` is the byte's 1-based position in the line. */
function withByte(prefix: string, byte: number, suffix: string): { bytes: Buffer; at: number } {
  return { bytes: Buffer.concat([utf8(prefix), Buffer.from([byte]), utf8(suffix)]), at: Buffer.byteLength(prefix) + 1 };
}

/** The bytes token labels stand for: `\xNN` escapes as bytes, `␣` and surrounding spaces dropped. */
function labelBytes(labels: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const label of labels) {
    if (/^␣+$/.test(label)) continue;
    let rest = label;
    while (rest.length > 0) {
      const escape = /^\\x([0-9A-F]{2})/.exec(rest);
      if (escape) {
        parts.push(Buffer.from([parseInt(escape[1], 16)]));
        rest = rest.slice(4);
      } else {
        const ch = String.fromCodePoint(rest.codePointAt(0) ?? 0);
        parts.push(utf8(ch));
        rest = rest.slice(ch.length);
      }
    }
  }
  return Buffer.concat(parts);
}

function expectLabelsSpell(row: SentenceRowView, text: string): void {
  expect(row.tokens.every((t) => t.length > 0 && !t.includes('\uFFFD'))).toBe(true);
  expect(labelBytes(row.tokens).toString('utf8')).toBe(text.replace(/\s+/g, ''));
}

const LONG_TEXT = Array.from({ length: 300 }, (_, i) => `word${i % 7}`).join(' ');
const TXT_BAD = withByte('Bad bytes ', 0xff, ' in the middle.');
const JSONL_BAD = withByte('{"id": "j-latin1", "text": "caf', 0xe9, ' au lait"}');
const CSV_BAD = withByte('c-latin1,Stra', 0xdf, 'e in Latin-1');

const SENTENCE_CASES: readonly SentenceCase[] = [
  {
    name: 'a UTF-8 byte-order mark is stripped and the line counts normally',
    input: 'UTF-8 byte-order mark at the start of a file',
    does: 'stripped; the sentence is processed',
    file: 'plain.txt',
    bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('The first sentence follows a byte-order mark.')]),
    ending: '\r\n',
    text: 'The first sentence follows a byte-order mark.',
    expect: { kind: 'processed' },
    row: (row) => expect(row.tokens.join('')).not.toContain('\uFEFF'),
  },
  {
    name: 'CRLF line ends leave no carriage return in the text',
    input: 'CRLF (Windows) line ends',
    does: 'the line ends at CRLF (or LF, or a lone CR); no \\r reaches the text; processed',
    file: 'plain.txt',
    bytes: utf8('A clean sentence with Windows line ends.'),
    ending: '\r\n',
    text: 'A clean sentence with Windows line ends.',
    expect: { kind: 'processed' },
    row: (row) => expect(row.tokens.some((t) => t.includes('\\r') || t.includes('\r'))).toBe(false),
  },
  {
    name: 'an empty line is counted empty',
    input: 'empty line',
    does: 'counted empty',
    file: 'plain.txt',
    bytes: utf8(''),
    ending: '\r\n',
    expect: { kind: 'empty' },
  },
  {
    name: 'a whitespace-only line is counted empty',
    input: 'whitespace-only line (spaces, tabs)',
    does: 'counted empty',
    file: 'plain.txt',
    bytes: utf8('   \t  '),
    expect: { kind: 'empty' },
  },
  {
    name: 'invalid UTF-8 in a txt line fails naming the byte, the line and the file',
    input: 'invalid UTF-8 bytes in a .txt line',
    does: 'failed: "invalid UTF-8 at byte N of line L in <file>; re-encode the file as UTF-8" (never silently replaced by U+FFFD)',
    file: 'plain.txt',
    bytes: TXT_BAD.bytes,
    expect: { kind: 'failed', reason: `invalid UTF-8 at byte ${TXT_BAD.at} of line 5 in {file}; re-encode the file as UTF-8` },
  },
  {
    name: 'a NUL inside a sentence fails naming the character and its position',
    input: 'NUL (U+0000) inside a sentence',
    does: 'failed: "control character U+0000 at character C ..." (text is never altered silently)',
    file: 'plain.txt',
    bytes: utf8('A NUL\u0000hides here.'),
    expect: { kind: 'failed', reason: '{file} line 6: control character U+0000 at character 6' },
  },
  {
    name: 'another control character inside a sentence fails the same way',
    input: 'other C0/C1 control character (e.g. U+0007 bell) inside a sentence',
    does: 'failed: "control character U+0007 at character C ..."',
    file: 'plain.txt',
    bytes: utf8('A bell\u0007rings here.'),
    expect: { kind: 'failed', reason: '{file} line 7: control character U+0007 at character 7' },
  },
  {
    name: 'tabs inside a sentence are kept and the sentence is processed',
    input: 'tab inside a sentence',
    does: 'kept as written (tab, LF and CR are whitespace, not errors); processed',
    file: 'plain.txt',
    bytes: utf8('Tabs\tbetween words are fine.'),
    text: 'Tabs\tbetween words are fine.',
    expect: { kind: 'processed' },
    row: (row) => expect(row.tokens).toContain('\\t'),
  },
  {
    name: 'a one-token sentence fails with a named reason instead of a row of zeros',
    input: 'sentence of one token (e.g. "I" with a tokenizer without special tokens)',
    does: 'failed: "the sentence gives 1 token ... the flow field needs at least 2" (its utilisation would be 0 in every layer whatever the model)',
    file: 'plain.txt',
    bytes: utf8('I'),
    expect: { kind: 'failed', reason: 'the sentence gives 1 token ("I") but the flow field needs at least 2' },
  },
  {
    name: "a sentence over the model's token limit fails with its length and the limit",
    input: "sentence far over the model's token limit",
    does: 'failed: "the sentence has N tokens but the model takes at most M; shorten it, or cut it with --truncate"; with modelOptions.truncate it is cut to the limit and processed',
    file: 'plain.txt',
    bytes: utf8(LONG_TEXT),
    expect: { kind: 'failed', reason: 'tokens but the model takes at most 128; shorten it, or cut it with --truncate' },
  },
  {
    name: 'emoji are processed and their token labels spell them',
    input: 'emoji',
    does: 'processed; token labels are the characters, or \\xNN escapes for byte tokens that are part of one (never U+FFFD)',
    file: 'plain.txt',
    bytes: utf8('Emoji 😀 and party 🎉 are fine.'),
    text: 'Emoji 😀 and party 🎉 are fine.',
    expect: { kind: 'processed' },
    row: expectLabelsSpell,
  },
  {
    name: 'CJK text is processed and its token labels spell it',
    input: 'CJK text',
    does: 'processed; token labels as for emoji',
    file: 'plain.txt',
    bytes: utf8('你好世界，这是一个句子。'),
    text: '你好世界，这是一个句子。',
    expect: { kind: 'processed' },
    row: expectLabelsSpell,
  },
  {
    name: 'a repeated sentence in the same domain is counted duplicate',
    input: 'duplicate sentence (same text in the same domain, or a repeated id)',
    does: 'counted duplicate; processed once',
    file: 'plain.txt',
    bytes: utf8('A clean sentence with Windows line ends.'),
    text: 'A clean sentence with Windows line ends.',
    expect: { kind: 'duplicate' },
  },
  {
    name: 'a real U+FFFD in the source is valid text and is processed',
    input: 'a genuine U+FFFD character written in the file',
    does: 'processed (only bytes that are not UTF-8 fail)',
    file: 'plain.txt',
    bytes: utf8('A real replacement character \uFFFD is valid text.'),
    text: 'A real replacement character \uFFFD is valid text.',
    expect: { kind: 'processed' },
  },
  {
    name: 'a good JSONL record is processed',
    input: 'well-formed JSONL record',
    does: 'processed',
    file: 'records.jsonl',
    bytes: json({ id: 'j-ok', text: 'A JSON sentence that parses.' }),
    id: 'j-ok',
    expect: { kind: 'processed' },
  },
  {
    name: 'a malformed JSONL line fails naming file and line',
    input: 'malformed JSONL line',
    does: 'failed: "<file> line L: not valid JSON (...); write one JSON object per line"',
    file: 'records.jsonl',
    bytes: utf8('{"id": "j-broken", "text": "an unterminated string'),
    expect: { kind: 'failed', reason: '{file} line 2: not valid JSON' },
  },
  {
    name: 'invalid UTF-8 in a JSONL line fails naming the byte',
    input: 'invalid UTF-8 bytes in a .jsonl line',
    does: 'failed: "invalid UTF-8 at byte N of line L in <file>; ..."',
    file: 'records.jsonl',
    bytes: JSONL_BAD.bytes,
    expect: { kind: 'failed', reason: `invalid UTF-8 at byte ${JSONL_BAD.at} of line 3 in {file}; re-encode the file as UTF-8` },
  },
  {
    name: 'a NUL written as a JSON escape fails like a raw one',
    input: 'NUL written as a JSON escape (\\u0000)',
    does: 'failed: "control character U+0000 at character C ..."',
    file: 'records.jsonl',
    bytes: json({ id: 'j-nul', text: 'escaped \u0000 NUL' }),
    expect: { kind: 'failed', reason: '{file} line 4: control character U+0000 at character 9' },
  },
  {
    name: 'an unpaired surrogate from a JSON escape fails instead of becoming U+FFFD',
    input: 'unpaired UTF-16 surrogate from a JSON escape (\\ud83d alone)',
    does: 'failed: "unpaired UTF-16 surrogate U+D83D at character C ..." (the tokenizer would silently read U+FFFD)',
    file: 'records.jsonl',
    bytes: json({ id: 'j-surrogate', text: 'half an emoji \ud83d here' }),
    expect: { kind: 'failed', reason: '{file} line 5: unpaired UTF-16 surrogate U+D83D at character 15' },
  },
  {
    name: 'a JSONL record with blank text is counted empty',
    input: 'JSONL record whose text is blank',
    does: 'counted empty',
    file: 'records.jsonl',
    bytes: json({ id: 'j-blank', text: '   ' }),
    expect: { kind: 'empty' },
  },
  {
    name: 'a JSONL record repeating an id is counted duplicate',
    input: 'JSONL record repeating an earlier id',
    does: 'counted duplicate',
    file: 'records.jsonl',
    bytes: json({ id: 'j-ok', text: 'Another sentence that reuses an id.' }),
    expect: { kind: 'duplicate' },
  },
  {
    name: 'a JSONL record whose text is not a string fails naming the key',
    input: 'JSONL record whose text is not a string',
    does: 'failed: "<file> line L: "text" must be a string"',
    file: 'records.jsonl',
    bytes: json({ id: 'j-number', text: 42 }),
    expect: { kind: 'failed', reason: '{file} line 8: "text" must be a string' },
  },
  {
    name: 'a good CSV row is processed',
    input: 'well-formed CSV row (quoted field with a comma)',
    does: 'processed',
    file: 'table.csv',
    bytes: utf8('c-ok,"A CSV sentence, quoted because of its comma."'),
    id: 'c-ok',
    expect: { kind: 'processed' },
  },
  {
    name: 'a CSV row with too few fields fails naming file and line',
    input: 'CSV row with a missing column',
    does: 'failed: "<file> line L: 1 field(s), too few to reach column "text" ...; give the row every column of the header"',
    file: 'table.csv',
    bytes: utf8('c-short'),
    expect: { kind: 'failed', reason: '{file} line 3: 1 field(s), too few to reach column "text"' },
  },
  {
    name: 'invalid UTF-8 in a CSV row fails naming the byte',
    input: 'invalid UTF-8 bytes in a .csv row',
    does: 'failed: "invalid UTF-8 at byte N of line L in <file>; ..."',
    file: 'table.csv',
    bytes: CSV_BAD.bytes,
    expect: { kind: 'failed', reason: `invalid UTF-8 at byte ${CSV_BAD.at} of line 4 in {file}; re-encode the file as UTF-8` },
  },
  {
    name: 'a CSV row with a blank text field is counted empty',
    input: 'CSV row whose text field is blank',
    does: 'counted empty',
    file: 'table.csv',
    bytes: utf8('c-blank,   '),
    expect: { kind: 'empty' },
  },
];

/** First lines of a file that are not cases. */
const HEADERS: Readonly<Record<CorpusFileName, string[]>> = { 'plain.txt': [], 'records.jsonl': [], 'table.csv': ['id,text'] };

interface PlacedCase {
  readonly c: SentenceCase;
  readonly file: string;
  readonly line: number;
}

let tmp: string;
let corpusDir: string;
let placed: PlacedCase[];
let run: Awaited<ReturnType<typeof runDonald>>;
let outDir: string;
let failures: FailureLine[];
let rows: SentenceRowView[];

/** Writes one file per corpus file name, each case on its own line in table order. */
async function writeCorpus(dir: string): Promise<PlacedCase[]> {
  await mkdir(dir, { recursive: true });
  const out: PlacedCase[] = [];
  for (const name of Object.keys(HEADERS) as CorpusFileName[]) {
    const file = path.join(dir, name);
    const parts: Buffer[] = HEADERS[name].map((h) => utf8(`${h}\n`));
    let line = HEADERS[name].length;
    for (const c of SENTENCE_CASES.filter((k) => k.file === name)) {
      parts.push(c.bytes, utf8(c.ending ?? '\n'));
      line += 1;
      out.push({ c, file, line });
    }
    await writeFile(file, Buffer.concat(parts));
  }
  return out;
}

function failureAt(p: PlacedCase): FailureLine | undefined {
  return failures.find((f) => f.source === p.file && f.line === p.line);
}

function expectedId(p: PlacedCase): string {
  if (p.c.id !== undefined) return p.c.id;
  if (p.c.text === undefined) throw new Error(`case "${p.c.name}" needs a text or an id`);
  return deriveSentenceId(path.basename(p.file), p.line, p.c.text);
}

beforeAll(async () => {
  tmp = await makeTempDir('reliability');
  corpusDir = path.join(tmp, 'corpus');
  placed = await writeCorpus(corpusDir);
  outDir = path.join(tmp, 'out');
  const studyFile = await writeStudyFile(tmp, { name: 'bad-input', corpus: [{ path: corpusDir }], output: outDir });
  run = await runDonald(['run', studyFile, '--no-progress']);
  if (run.code !== 0) throw new Error(`donald run exited ${run.code}\n${run.stderr}`);
  failures = await readFailures(outDir);
  rows = (await readParquetRows(path.join(outDir, 'sentences.parquet'))).map((r) => ({
    id: String(r.id),
    tokens: (r.tokens as unknown[]).map(String),
    utilisation: (r.utilisation as unknown[]).map(Number),
  }));
});

afterAll(async () => {
  await killLiveChildren();
  await rm(tmp, { recursive: true, force: true });
});

describe('one donald run over every per-sentence bad input', () => {
  for (const c of SENTENCE_CASES) {
    it(c.name, () => {
      const p = placed.find((k) => k.c === c);
      if (p === undefined) throw new Error(`case "${c.name}" was not written`);
      const failure = failureAt(p);
      switch (c.expect.kind) {
        case 'processed': {
          expect(failure?.reason).toBeUndefined();
          const row = rows.find((r) => r.id === expectedId(p));
          expect(row, `no sentences.parquet row for ${path.basename(p.file)} line ${p.line}`).toBeDefined();
          if (row === undefined) return;
          expect(row.utilisation.every(Number.isFinite)).toBe(true);
          c.row?.(row, c.text ?? '');
          break;
        }
        case 'failed': {
          expect(failure, `no failures.jsonl line for ${path.basename(p.file)} line ${p.line}`).toBeDefined();
          expect(failure?.reason).toContain(c.expect.reason.replace('{file}', p.file));
          expect(failure?.domain).toBe(path.basename(p.file, path.extname(p.file)));
          break;
        }
        case 'duplicate':
        case 'empty': {
          // Neither a failure nor a row; the counts below say which of the two it was.
          expect(failure).toBeUndefined();
          if (c.id === undefined && c.text !== undefined) expect(rows.some((r) => r.id === expectedId(p))).toBe(false);
          break;
        }
      }
    });
  }

  it('closes the accounts: read = processed + failed + duplicate + empty, each as the table says', async () => {
    const { counts } = await readManifest(outDir);
    const expected = (kind: Outcome['kind']): number => SENTENCE_CASES.filter((c) => c.expect.kind === kind).length;
    expect(counts).toEqual({
      read: SENTENCE_CASES.length,
      processed: expected('processed'),
      failed: expected('failed'),
      duplicate: expected('duplicate'),
      empty: expected('empty'),
    });
    expect(counts.read).toBe(counts.processed + counts.failed + counts.duplicate + counts.empty);
    expect(rows.length).toBe(counts.processed);
  });

  it('writes failures.jsonl with one line per failure, each naming its file and line', async () => {
    const text = await readFile(path.join(outDir, 'failures.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(failures.length).toBe(SENTENCE_CASES.filter((c) => c.expect.kind === 'failed').length);
    expect(new Set(failures.map((f) => `${f.source}:${f.line}`)).size).toBe(failures.length);
    expect(failures.every((f) => existsSync(f.source) && f.line >= 1 && f.reason.length > 0)).toBe(true);
  });

  it('says nothing on stderr but its own lines (no stack trace)', () => {
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('sentences at the edges of the model', () => {
  it('a sentence over the limit is cut to the limit and processed when the study says truncate', async () => {
    const dir = path.join(tmp, 'truncate');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'long.txt');
    await writeFile(file, `${LONG_TEXT}\n`);
    const out = path.join(dir, 'out');
    const studyFile = await writeStudyFile(dir, { name: 'truncate', corpus: [{ path: file }], output: out, modelOptions: { truncate: true } });
    const result = await runDonald(['run', studyFile, '--no-progress']);
    expect(result.code, result.stderr).toBe(0);
    expect((await readManifest(out)).counts).toEqual({ read: 1, processed: 1, failed: 0, duplicate: 0, empty: 0 });
    const config = JSON.parse(await readFile(path.join(tinyGpt2, 'config.json'), 'utf8')) as { n_positions: number };
    const [row] = await readParquetRows(path.join(out, 'sentences.parquet'));
    expect(Number(row.tokenCount)).toBe(config.n_positions);
  });

  it('a word that keeps its special tokens is processed; the same word alone, with dropSpecialTokens, fails by name', async () => {
    const model = await openModel(tinyBert);
    try {
      const settings = { dti: DEFAULT_DTI_PARAMS, includeEmbeddings: false, fields: false };
      const sentence = { id: 'a', domain: 'd', text: 'a', source: 'c.txt', line: 1 };
      const [withSpecials] = await analyseSentences(model, [sentence], { ...settings, modelOptions: {} });
      expect(withSpecials.kind).toBe('processed');
      expect(withSpecials.kind === 'processed' && withSpecials.tokens).toEqual(['[CLS]', 'a', '[SEP]']);
      const [alone] = await analyseSentences(model, [sentence], { ...settings, modelOptions: { dropSpecialTokens: true } });
      expect(alone).toMatchObject({ kind: 'failed', id: 'a', line: 1 });
      expect(alone.kind === 'failed' && alone.reason).toContain('the sentence gives 1 token ("a") but the flow field needs at least 2');
    } finally {
      await model.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Inputs that stop the whole run

interface RunError {
  readonly name: string;
  readonly input: string;
  readonly does: string;
  /** Builds the bad input under `dir`; returns the `donald run` arguments (before --out) and what stderr must name. */
  readonly arrange: (dir: string) => Promise<{ args: string[]; names: string[] }>;
  /** The output folder already holds an earlier run's manifest.json, which must not survive. */
  readonly rerun?: boolean;
}

/** A study over `corpus` with `model`, written as JSON in `dir`. */
async function studyOver(dir: string, corpus: string, model = tinyGpt2): Promise<string> {
  const file = path.join(dir, 'study.json');
  await writeFile(file, JSON.stringify({ name: 'refused', model, corpus: [corpus] }));
  return file;
}

/** A copy of tiny-gpt2 in `dir`, changed by `spoil`. */
async function spoiltModel(dir: string, spoil: (modelDir: string) => Promise<void>): Promise<string> {
  const modelDir = path.join(dir, 'model');
  await mkdir(modelDir, { recursive: true });
  for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx']) await copyFile(path.join(tinyGpt2, name), path.join(modelDir, name));
  await spoil(modelDir);
  return modelDir;
}

async function goodText(dir: string): Promise<string> {
  const file = path.join(dir, 'good.txt');
  await writeFile(file, 'A sentence that is fine.\nAnother one that is fine.\n');
  return file;
}

const RUN_ERRORS: readonly RunError[] = [
  {
    name: 'a missing corpus file stops the run naming the path',
    input: 'missing corpus file',
    does: 'exit 2: "corpus path <path> does not exist (or is a broken link); check the corpus entry of the study or --corpus"',
    arrange: async (dir) => {
      const missing = path.join(dir, 'nowhere.txt');
      return { args: [await studyOver(dir, missing)], names: [missing, 'does not exist'] };
    },
  },
  {
    name: 'a gzip file cut short stops the run naming the file, after sentences were already read',
    input: 'gzip file cut short (truncated download)',
    does: 'exit 2: "corpus file <file>: the gzip stream ends early (file truncated?) after N line(s); copy or download the file again ..."; no manifest.json (not even an earlier run\'s), so the partial corpus never looks complete',
    rerun: true,
    arrange: async (dir) => {
      const corpus = path.join(dir, 'corpus');
      await mkdir(corpus, { recursive: true });
      await writeFile(path.join(corpus, 'a-good.txt'), 'A sentence read before the broken file.\n');
      const whole = gzipSync(Array.from({ length: 400 }, (_, i) => `Sentence ${i} of a file whose end is missing.`).join('\n'));
      const cut = path.join(corpus, 'b-cut.txt.gz');
      await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
      return { args: [await studyOver(dir, corpus)], names: [cut, 'the gzip stream ends early (file truncated?)'] };
    },
  },
  {
    name: 'a UTF-16 file stops the run instead of failing every line',
    input: 'UTF-16 corpus file (UTF-16 byte-order mark)',
    does: 'exit 2: "corpus file <file> is UTF-16 ...; re-encode it as UTF-8"',
    arrange: async (dir) => {
      const file = path.join(dir, 'wide.txt');
      await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('A sentence in UTF-16.\n', 'utf16le')]));
      return { args: [await studyOver(dir, file)], names: [file, 'is UTF-16', 're-encode it as UTF-8'] };
    },
  },
  {
    name: 'a CSV header without the text column stops the run naming the columns found',
    input: 'CSV header without the text column',
    does: 'exit 2: "<file> line 1: no "text" column (columns: ...); rename it or set textColumn in the corpus entry"',
    arrange: async (dir) => {
      const file = path.join(dir, 'table.csv');
      await writeFile(file, 'id,sentence\n1,A sentence under the wrong header.\n');
      return { args: [await studyOver(dir, file)], names: [file, 'no "text" column (columns: id, sentence)', 'textColumn'] };
    },
  },
  {
    name: 'a mistyped study key stops the run naming it and the key it likely meant',
    input: "study file with an unknown or mistyped key ('modle')",
    does: 'exit 2: "study <file>: modle: unknown key; did you mean model?" (or the valid keys at that place when none is close)',
    arrange: async (dir) => {
      const file = path.join(dir, 'study.yaml');
      await writeFile(file, `name: typo\nmodle: ${tinyGpt2}\nmodel: ${tinyGpt2}\ncorpus: [${await goodText(dir)}]\n`);
      return { args: [file], names: [file, 'modle: unknown key; did you mean model?'] };
    },
  },
  {
    name: 'a corrupt ONNX file stops the run naming the file and the fix',
    input: 'model folder with a corrupt (cut short) model.onnx',
    does: 'exit 2: "model.onnx in <dir> is not a valid ONNX file (Protobuf parsing failed); ... export the model again or copy the file again" (also: empty file, Git LFS pointer)',
    arrange: async (dir) => {
      const model = await spoiltModel(dir, async (m) => {
        const bytes = await readFile(path.join(m, 'model.onnx'));
        await writeFile(path.join(m, 'model.onnx'), bytes.subarray(0, 5000));
      });
      return { args: [await studyOver(dir, await goodText(dir), model)], names: [`model.onnx in ${model} is not a valid ONNX file`] };
    },
  },
  {
    name: 'a model folder without tokenizer.json stops the run naming it',
    input: 'model folder without tokenizer.json',
    does: 'exit 2: "<dir>: no tokenizer.json; save the fast tokenizer beside the model (...save_pretrained(dir))"',
    arrange: async (dir) => {
      const model = await spoiltModel(dir, (m) => rm(path.join(m, 'tokenizer.json')));
      return { args: [await studyOver(dir, await goodText(dir), model)], names: [model, 'no tokenizer.json'] };
    },
  },
  {
    name: 'a model folder without config.json stops the run naming it',
    input: 'model folder without config.json',
    does: 'exit 2: "<dir>: no config.json; save the model config beside the graph (...)"',
    arrange: async (dir) => {
      const model = await spoiltModel(dir, (m) => rm(path.join(m, 'config.json')));
      return { args: [await studyOver(dir, await goodText(dir), model)], names: [model, 'no config.json'] };
    },
  },
];

// Each case is a child process that mostly waits on start-up; running them side by side keeps the file quick.
describe.concurrent('inputs that stop the run: exit 2, one line naming the file or key, no manifest', () => {
  RUN_ERRORS.forEach((c, i) => {
    it(c.name, async ({ expect }) => {
      const dir = path.join(tmp, `refused-${i}`);
      await mkdir(dir, { recursive: true });
      const { args, names } = await c.arrange(dir);
      const out = path.join(dir, 'out');
      if (c.rerun === true) {
        await mkdir(out, { recursive: true });
        await writeFile(path.join(out, 'manifest.json'), '{"counts": "of an earlier, complete run"}\n');
      }
      // --no-progress: no counting pass first, so a corpus error strikes in the middle of the run.
      const result = await runDonald(['run', ...args, '--out', out, '--no-progress']);
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.split('\n').filter((l) => l.trim().length > 0);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0].startsWith('donald: ')).toBe(true);
      for (const name of names) expect(lines[0]).toContain(name);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(existsSync(path.join(out, 'manifest.json'))).toBe(false);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Line reading underneath every format

let linesFiles = 0;

async function linesOf(content: Buffer, maxLineBytes?: number): Promise<SourceLine[]> {
  const file = path.join(tmp, `lines-${++linesFiles}.txt`);
  await writeFile(file, content);
  const out: SourceLine[] = [];
  for await (const line of readLines(file, maxLineBytes)) out.push(line);
  return out;
}

describe('line reading', () => {
  it('ends lines at LF, CRLF and a lone CR, also when a CRLF straddles two read chunks', async () => {
    // The file stream reads 64 KiB chunks: the CR is the chunk's last byte, its LF the next one's first.
    const first = 'x'.repeat(64 * 1024 - 1);
    const lines = await linesOf(utf8(`${first}\r\nsecond\rthird\n\nlast without end`));
    expect(lines.map((l) => l.text)).toEqual([first, 'second', 'third', '', 'last without end']);
    expect(lines.map((l) => l.number)).toEqual([1, 2, 3, 4, 5]);
    expect(lines.every((l) => l.problem === null)).toBe(true);
  });

  it('strips a byte-order mark only at the start of the file', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const lines = await linesOf(Buffer.concat([bom, utf8('one\n'), bom, utf8('two\n')]));
    expect(lines.map((l) => l.text)).toEqual(['one', '\uFEFFtwo']);
  });

  it('names the first invalid byte of each bad line and leaves good lines alone', async () => {
    const lines = await linesOf(Buffer.concat([utf8('ok\nab'), Buffer.from([0xc0, 0x80]), utf8('\n\u00e9\u20ac\n'), Buffer.from([0xe2, 0x82]), utf8('\n')]));
    expect(lines.map((l) => (l.problem === null ? null : l.problem.replace(/ in .*/, '')))).toEqual([null, 'invalid UTF-8 at byte 3 of line 2', null, 'invalid UTF-8 at byte 1 of line 4']);
    expect(lines[2].text).toBe('\u00e9\u20ac');
  });

  it('turns a line longer than the limit into a problem without holding it, and goes on', async () => {
    const lines = await linesOf(utf8(`short\n${'y'.repeat(70_000)}\nafter\n`), 1000);
    expect(lines.map((l) => l.text)).toEqual(['short', '', 'after']);
    expect(lines[1].problem).toMatch(/line 2: 70000 bytes without a line break; put one sentence per line/);
    expect(lines[0].problem).toBeNull();
    expect(lines[2].problem).toBeNull();
  });

  it('finds the first invalid byte exactly where a strict decoder first refuses', () => {
    // An xorshift stream of bytes biased towards UTF-8 lead and continuation bytes, checked
    // against the platform's fatal TextDecoder: the prefix before the reported byte decodes,
    // one more character does not.
    let state = 0x9e3779b9;
    const next = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const decodes = (bytes: Uint8Array): boolean => {
      try {
        fatal.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    const pool = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    let invalid = 0;
    for (let n = 0; n < 5000; n++) {
      const bytes = Uint8Array.from({ length: 1 + (next() % 8) }, () => pool[next() % pool.length]);
      const bad = firstInvalidUtf8Byte(bytes);
      expect(bad === -1).toBe(decodes(bytes));
      if (bad >= 0) {
        invalid++;
        expect(decodes(bytes.subarray(0, bad))).toBe(true);
        expect(decodes(bytes.subarray(0, Math.min(bytes.length, bad + 4)))).toBe(false);
      }
    }
    expect(invalid).toBeGreaterThan(1000);
  });
});
