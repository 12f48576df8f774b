import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareSentence, type PreparedSentence } from '../src/model/preparedSentence.ts';
import { loadSentenceTokenizer } from '../src/model/sentenceTokenizer.ts';
import { cleanToken, type TokenMarkers } from '../src/model/tokenCleaning.ts';
import type { SentenceFailure } from '../src/model/modelTypes.ts';
import { wordPieceTokenizer } from './modelTestFolders.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'donald-model-tokens-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NONE: TokenMarkers = { continuingSubwordPrefix: null, byteLevel: false, metaspace: null, endOfWordSuffix: null };

function writeTokenizer(name: string, json: Record<string, unknown>, config: Record<string, unknown> = {}): { tokenizer: string; config: string } {
  const tokenizer = path.join(tmp, `${name}.tokenizer.json`);
  const configPath = path.join(tmp, `${name}.tokenizer_config.json`);
  writeFileSync(tokenizer, JSON.stringify(json));
  writeFileSync(configPath, JSON.stringify(config));
  return { tokenizer, config: configPath };
}

function prepared(p: PreparedSentence | SentenceFailure): PreparedSentence {
  if ('ok' in p) throw new Error(`expected a prepared sentence, got failure: ${p.reason}`);
  return p;
}

describe('token labels', () => {
  it('strip the WordPiece prefix, but not from a bare ##', () => {
    const wp = { ...NONE, continuingSubwordPrefix: '##' };
    expect(cleanToken('##ing', wp, false)).toBe('ing');
    expect(cleanToken('##', wp, false)).toBe('##');
    expect(cleanToken('walk', wp, false)).toBe('walk');
  });

  it('decode byte-level BPE: Ġ is a space, Ċ a newline, multi-byte characters whole, split ones as \\x', () => {
    const bl = { ...NONE, byteLevel: true };
    expect(cleanToken('Ġworld', bl, false)).toBe('world');
    expect(cleanToken('Ċ', bl, false)).toBe('\\n');
    expect(cleanToken('âĢľ', bl, false)).toBe('\u201c');
    expect(cleanToken('âĢ', bl, false)).toBe('\\xE2\\x80');
    expect(cleanToken('Ġ', bl, false)).toBe('␣');
    expect(cleanToken('ĠĠ', bl, false)).toBe('␣␣');
  });

  it('turn SentencePiece ▁ into spaces and byte tokens into characters', () => {
    const sp = { ...NONE, metaspace: '▁' };
    expect(cleanToken('▁the', sp, false)).toBe('the');
    expect(cleanToken('▁', sp, false)).toBe('␣');
    expect(cleanToken('<0x0A>', sp, false)).toBe('\\n');
    expect(cleanToken('<0x41>', sp, false)).toBe('A');
    expect(cleanToken('<0xE2>', sp, false)).toBe('\\xE2');
  });

  it('strip an end-of-word suffix, and keep special tokens verbatim', () => {
    expect(cleanToken('word</w>', { ...NONE, endOfWordSuffix: '</w>' }, false)).toBe('word');
    expect(cleanToken('<s>', { ...NONE, metaspace: '▁' }, true)).toBe('<s>');
    expect(cleanToken('▁[CLS]', { ...NONE, metaspace: '▁' }, true)).toBe('▁[CLS]');
  });
});

describe('sentence tokenizer', () => {
  const bert = writeTokenizer('bert', wordPieceTokenizer('bert'), { model_max_length: 512, pad_token: '[PAD]' });

  it('marks the [CLS]/[SEP] the template adds as special, cleans the labels, and reads the limits', () => {
    const t = loadSentenceTokenizer(bert.tokenizer, bert.config);
    expect(t.kind).toBe('WordPiece');
    expect(t.modelMaxLength).toBe(512);
    expect(t.padTokenId).toBe(0);
    expect(t.idLimit).toBe(19);
    expect(t.specialTokens.map((s) => s.content)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]']);
    const e = t.encode('The cats sat.');
    expect(e.rawTokens).toEqual(['[CLS]', 'the', 'cat', '##s', 'sat', '.', '[SEP]']);
    expect(e.tokens).toEqual(['[CLS]', 'the', 'cat', 's', 'sat', '.', '[SEP]']);
    expect(e.special).toEqual([true, false, false, false, false, false, true]);
    expect([e.specialsBefore, e.specialsAfter]).toEqual([1, 1]);
  });

  it('treats a special token typed inside the sentence as part of it, and [UNK] as a word', () => {
    const t = loadSentenceTokenizer(bert.tokenizer, bert.config);
    const e = t.encode('cat [SEP] zebra');
    expect(e.rawTokens).toEqual(['[CLS]', 'cat', '[SEP]', '[UNK]', '[SEP]']);
    expect(e.special).toEqual([true, false, false, false, true]);
  });

  it("ignores Hugging Face's 1e30 'no limit' model_max_length", () => {
    const files = writeTokenizer('nolimit', wordPieceTokenizer('bert'), { model_max_length: 1e30 });
    expect(loadSentenceTokenizer(files.tokenizer, files.config).modelMaxLength).toBeNull();
  });

  it('adds BOS from tokenizer_config.json when tokenizer.json has no template (older Llama exports)', () => {
    const json = wordPieceTokenizer('none');
    const files = writeTokenizer('bos', json, { add_bos_token: true, bos_token: '[CLS]' });
    const e = loadSentenceTokenizer(files.tokenizer, files.config).encode('a dog');
    expect(e.ids).toEqual([2, 12, 9]);
    expect(e.special).toEqual([true, false, false]);
  });

  it('a tokenizer.json the tokenizer library cannot build from is a UserError naming the file', () => {
    const files = writeTokenizer('broken', { model: { type: 'Nonsense' } });
    expect(() => loadSentenceTokenizer(files.tokenizer, files.config)).toThrowError(/broken\.tokenizer\.json: the tokenizer cannot be built/);
  });
});

describe('preparing a sentence', () => {
  const files = writeTokenizer('prep', wordPieceTokenizer('bert'));
  const tokenizer = loadSentenceTokenizer(files.tokenizer, files.config);
  const rules = { maxTokens: 6, truncate: false, dropSpecialTokens: false, vocabSize: 19 };

  it('keeps special tokens by default and drops exactly their columns on request', () => {
    const kept = prepared(prepareSentence('the red hat', tokenizer, rules));
    expect(kept.tokens).toEqual(['[CLS]', 'the', 'red', 'hat', '[SEP]']);
    expect(kept.columns).toEqual([0, 1, 2, 3, 4]);
    const dropped = prepared(prepareSentence('the red hat', tokenizer, { ...rules, dropSpecialTokens: true }));
    expect(dropped.ids).toEqual(kept.ids);
    expect(dropped.columns).toEqual([1, 2, 3]);
    expect(dropped.tokens).toEqual(['the', 'red', 'hat']);
    expect(dropped.tokenIds).toEqual([4, 13, 14]);
  });

  it('fails an over-long sentence with its length, the limit and --truncate', () => {
    const r = prepareSentence('the cat sat on the mat', tokenizer, rules);
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/8 tokens .* at most 6; .*--truncate/) });
  });

  it('with truncate cuts the sentence, keeps [CLS] and [SEP], and marks it', () => {
    const r = prepared(prepareSentence('the cat sat on the mat', tokenizer, { ...rules, truncate: true }));
    expect(r.tokens).toEqual(['[CLS]', 'the', 'cat', 'sat', 'on', '[SEP]']);
    expect(r.truncated).toBe(true);
    expect(prepared(prepareSentence('the cat', tokenizer, { ...rules, truncate: true })).truncated).toBe(false);
  });

  it('fails a sentence with no tokens, and an id past the embedding', () => {
    expect(prepareSentence('   ', tokenizer, rules)).toEqual({ ok: false, reason: expect.stringMatching(/no tokens after tokenisation/) });
    expect(prepareSentence(',', tokenizer, { ...rules, vocabSize: 10 })).toEqual({ ok: false, reason: expect.stringMatching(/token id 18 is outside the model's 10-row embedding/) });
  });
});
