import { UserError } from '../../userError.ts';
import type { Llama2cTokenizer } from './tokenizerBin.ts';

/** SentencePiece's word-boundary marker, which llama2.c's tokenizer.bin writes as a plain space. */
const SPACE_MARKER = '\u2581';
const UNK = '<unk>';
const BOS = '<s>';
const EOS = '</s>';
/** llama2.c hard-codes these ids (run.c: BOS 1, EOS 2; byte b falls back to id b + 3). */
const SPECIAL_IDS: ReadonlyArray<[number, string]> = [[0, UNK], [1, BOS], [2, EOS]];
const FIRST_BYTE_ID = 3;

export type TokenizerJson = Record<string, unknown>;

export interface HuggingFaceTokenizerFiles {
  readonly tokenizerJson: TokenizerJson;
  readonly tokenizerConfigJson: TokenizerJson;
}

function byteToken(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** Checks the layout run.c relies on: specials at 0..2 and the 256 byte tokens at 3..258. */
function checkLayout(tok: Llama2cTokenizer, fileName: string): void {
  const fail = (problem: string): never => {
    throw new UserError(`${fileName}: unexpected llama2.c vocabulary: ${problem}; llama2.c expects <unk>, <s>, </s> at ids 0-2 and byte tokens <0x00>..<0xFF> at ids 3-258`);
  };
  if (tok.pieces.length < FIRST_BYTE_ID + 256) fail(`only ${tok.pieces.length} tokens`);
  for (const [id, name] of SPECIAL_IDS) {
    // tokenizer.py writes BOS/EOS as "\n<s>\n" and "\n</s>\n" so they print on their own line.
    if (tok.pieces[id].text.trim() !== name) fail(`token ${id} is ${JSON.stringify(tok.pieces[id].text)}, not ${name}`);
  }
  for (let b = 0; b < 256; b++) {
    const text = tok.pieces[FIRST_BYTE_ID + b].text;
    if (text !== byteToken(b)) fail(`token ${FIRST_BYTE_ID + b} is ${JSON.stringify(text)}, not ${byteToken(b)}`);
  }
}

/**
 * BPE merges that make Hugging Face's BPE repeat llama2.c's encoder, which merges, among all
 * adjacent pairs whose concatenation is a piece, the one whose piece scores highest. Every split
 * of a piece into two pieces becomes a merge, ranked by the merged piece's score (as transformers'
 * SentencePiece converter does). Ties between different pairs forming the same piece at once are
 * broken by id, where llama2.c takes the leftmost; SentencePiece vocabularies practically never
 * hit that.
 */
function mergesByScore(tok: Llama2cTokenizer, normalPieces: ReadonlyMap<string, number>): Array<[string, string]> {
  const ranked: Array<{ left: string; right: string; score: number; id: number; leftId: number; rightId: number }> = [];
  for (const [piece, id] of normalPieces) {
    const chars = Array.from(piece);
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join('');
      const right = chars.slice(k).join('');
      const leftId = normalPieces.get(left);
      const rightId = normalPieces.get(right);
      if (leftId !== undefined && rightId !== undefined) {
        ranked.push({ left, right, score: tok.pieces[id].score, id, leftId, rightId });
      }
    }
  }
  ranked.sort((a, b) => b.score - a.score || a.id - b.id || a.leftId - b.leftId || a.rightId - b.rightId);
  return ranked.map((m) => [m.left, m.right]);
}

/**
 * Converts a llama2.c tokenizer into tokenizer.json + tokenizer_config.json in the shape
 * transformers' LlamaConverter gives SentencePiece BPE models: byte-fallback BPE, a normaliser
 * that adds the dummy-prefix space and turns spaces into ▁, and <s> prepended on encode.
 */
export function toHuggingFaceTokenizer(tok: Llama2cTokenizer, fileName: string, modelMaxLength: number): HuggingFaceTokenizerFiles {
  checkLayout(tok, fileName);
  const vocab: Record<string, number> = {};
  const normalPieces = new Map<string, number>();
  tok.pieces.forEach((piece, id) => {
    const special = SPECIAL_IDS.find(([specialId]) => specialId === id);
    const text = special ? special[1] : piece.text.replaceAll(' ', SPACE_MARKER);
    if (text in vocab) {
      throw new UserError(`${fileName}: tokens ${vocab[text]} and ${id} are both ${JSON.stringify(text)}; a llama2.c vocabulary must not repeat a piece`);
    }
    vocab[text] = id;
    if (id >= FIRST_BYTE_ID + 256) normalPieces.set(text, id);
  });

  const tokenizerJson: TokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_IDS.map(([id, content]) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: SPACE_MARKER },
        { type: 'Replace', pattern: { String: ' ' }, content: SPACE_MARKER },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: BOS, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: BOS, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: BOS, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [BOS]: { id: BOS, ids: [1], tokens: [BOS] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: SPACE_MARKER }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        // Removes the dummy-prefix space, as llama2.c drops the leading space after BOS.
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: UNK,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: mergesByScore(tok, normalPieces),
    },
  };

  const tokenizerConfigJson: TokenizerJson = {
    tokenizer_class: 'LlamaTokenizer',
    bos_token: BOS,
    eos_token: EOS,
    unk_token: UNK,
    pad_token: null,
    add_bos_token: true,
    add_eos_token: false,
    model_max_length: modelMaxLength,
    // Llama tokenizers keep " ." etc. as generated; the default clean-up would alter decoded text.
    clean_up_tokenization_spaces: false,
    legacy: false,
  };
  return { tokenizerJson, tokenizerConfigJson };
}
