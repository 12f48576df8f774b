import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../userError.ts';
import { cleanToken, type TokenMarkers } from './tokenCleaning.ts';

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The part of @huggingface/tokenizers used here. Its .d.ts files import the Encoding type
 * without a file extension, which NodeNext resolution cannot follow, so encode() results arrive
 * untyped; this interface restores checking at the boundary.
 */
interface TokenizerApi {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[]; tokens: string[] };
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
  get_vocab(withAddedTokens: boolean): Map<string, number>;
}

/** One sentence after tokenisation, with the model's special tokens in place. */
export interface TokenizedSentence {
  readonly ids: readonly number[];
  /** Vocabulary strings as the tokenizer produced them. */
  readonly rawTokens: readonly string[];
  /** Readable labels (markers removed). */
  readonly tokens: readonly string[];
  /** True where the tokenizer's template added the token ([CLS], [SEP], <s>). */
  readonly special: readonly boolean[];
  /** Special tokens before and after the sentence's own tokens (content is contiguous between). */
  readonly specialsBefore: number;
  readonly specialsAfter: number;
}

export interface SpecialToken {
  readonly id: number;
  readonly content: string;
}

/** The tokenizer of a model directory: tokenizer.json plus tokenizer_config.json. */
export interface SentenceTokenizer {
  /** tokenizer.json's model type: WordPiece, BPE, Unigram, WordLevel. */
  readonly kind: string;
  readonly markers: TokenMarkers;
  readonly specialTokens: readonly SpecialToken[];
  /** One more than the largest token id the tokenizer can produce. */
  readonly idLimit: number;
  /** tokenizer_config.json's model_max_length when it is a real bound (not HF's 1e30 sentinel). */
  readonly modelMaxLength: number | null;
  readonly padTokenId: number | null;
  encode(text: string): TokenizedSentence;
}

function readJsonObject(file: string, what: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}); re-save the tokenizer with save_pretrained`);
  }
  if (!isObject(parsed)) throw new UserError(`${file}: expected a JSON object; re-save the tokenizer with save_pretrained`);
  return parsed;
}

/** Every `type` named anywhere in a component tree (Sequence pre-tokenizers nest). */
function componentTypes(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const v of value) componentTypes(v, found);
  else if (isObject(value)) {
    if (typeof value.type === 'string') found.add(value.type);
    for (const v of Object.values(value)) componentTypes(v, found);
  }
  return found;
}

function markersOf(json: JsonObject): TokenMarkers {
  const model = isObject(json.model) ? json.model : {};
  const parts = [json.normalizer, json.pre_tokenizer, json.decoder, json.post_processor];
  const types = componentTypes(parts);
  const byteLevel = types.has('ByteLevel');
  const usesMetaspace = types.has('Metaspace') || JSON.stringify([json.normalizer, json.pre_tokenizer, json.decoder]).includes('▁');
  const prefix = typeof model.continuing_subword_prefix === 'string' && model.continuing_subword_prefix.length > 0 ? model.continuing_subword_prefix : null;
  const suffix = typeof model.end_of_word_suffix === 'string' && model.end_of_word_suffix.length > 0 ? model.end_of_word_suffix : null;
  return {
    continuingSubwordPrefix: model.type === 'WordPiece' ? (prefix ?? '##') : prefix,
    byteLevel,
    metaspace: !byteLevel && usesMetaspace ? '▁' : null,
    endOfWordSuffix: suffix,
  };
}

function specialTokensOf(json: JsonObject): SpecialToken[] {
  const added = Array.isArray(json.added_tokens) ? json.added_tokens : [];
  return added
    .filter((t): t is JsonObject => isObject(t) && t.special === true && typeof t.id === 'number' && typeof t.content === 'string')
    .map((t) => ({ id: t.id as number, content: t.content as string }));
}

/** A token named in tokenizer_config.json as a string or as {content: ...}. */
function configTokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.content === 'string') return value.content;
  return null;
}

// Hugging Face writes int(1e30) when a tokenizer has no length limit.
const NO_LIMIT_SENTINEL = 1e9;

/**
 * Where the sentence's own tokens sit inside the encoding with special tokens: the template
 * only adds tokens around them, so they appear as one contiguous run.
 */
function contentOffset(withSpecials: readonly number[], content: readonly number[]): number {
  const last = withSpecials.length - content.length;
  for (let k = 0; k <= last; k++) {
    let same = true;
    for (let i = 0; i < content.length && same; i++) same = withSpecials[k + i] === content[i];
    if (same) return k;
  }
  throw new Error('the tokenizer template changed the sentence tokens; cannot tell special tokens apart');
}

/** Loads the tokenizer; a file the JS tokenizer cannot build from is a UserError naming it. */
export function loadSentenceTokenizer(tokenizerPath: string, tokenizerConfigPath: string | null): SentenceTokenizer {
  const json = readJsonObject(tokenizerPath, 'tokenizer');
  const config = tokenizerConfigPath ? readJsonObject(tokenizerConfigPath, 'tokenizer config') : {};
  let tokenizer: TokenizerApi;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (err) {
    throw new UserError(`${tokenizerPath}: the tokenizer cannot be built (${(err as Error).message}); re-save it with a recent transformers save_pretrained`);
  }
  const model = isObject(json.model) ? json.model : {};
  const kind = typeof model.type === 'string' ? model.type : 'unknown';
  const markers = markersOf(json);
  const specialTokens = specialTokensOf(json);
  const specialIds = new Set(specialTokens.map((t) => t.id));

  let idLimit = 0;
  for (const id of tokenizer.get_vocab(true).values()) idLimit = Math.max(idLimit, id + 1);

  const maxLength = config.model_max_length;
  const modelMaxLength = typeof maxLength === 'number' && Number.isInteger(maxLength) && maxLength > 0 && maxLength < NO_LIMIT_SENTINEL ? maxLength : null;

  const padContent = configTokenContent(config.pad_token);
  const padding = isObject(json.padding) ? json.padding : {};
  const padFromConfig = padContent === null ? undefined : tokenizer.token_to_id(padContent);
  const padTokenId = padFromConfig ?? (typeof padding.pad_id === 'number' ? padding.pad_id : null);

  // Older Llama exports leave the template out of tokenizer.json and ask for BOS/EOS in the config.
  const tokenId = (key: string): number | null => {
    const content = configTokenContent(config[key]);
    return content === null ? null : (tokenizer.token_to_id(content) ?? null);
  };
  const hasTemplate = json.post_processor !== null && json.post_processor !== undefined;
  const extraBos = !hasTemplate && config.add_bos_token === true ? tokenId('bos_token') : null;
  const extraEos = !hasTemplate && config.add_eos_token === true ? tokenId('eos_token') : null;

  const label = (id: number, raw: string, special: boolean): string => cleanToken(raw, markers, special || specialIds.has(id));

  return {
    kind,
    markers,
    specialTokens,
    idLimit,
    modelMaxLength,
    padTokenId,
    encode(text: string): TokenizedSentence {
      const content = tokenizer.encode(text, { add_special_tokens: false });
      const full = tokenizer.encode(text, { add_special_tokens: true });
      let ids: readonly number[] = full.ids;
      let rawTokens: readonly string[] = full.tokens;
      if (extraBos !== null || extraEos !== null) {
        const bos = extraBos === null ? [] : [extraBos];
        const eos = extraEos === null ? [] : [extraEos];
        ids = [...bos, ...ids, ...eos];
        rawTokens = [...bos.map((id) => tokenizer.id_to_token(id) ?? ''), ...rawTokens, ...eos.map((id) => tokenizer.id_to_token(id) ?? '')];
      }
      const before = contentOffset(ids, content.ids);
      const after = ids.length - before - content.ids.length;
      const special = ids.map((_, i) => i < before || i >= before + content.ids.length);
      return {
        ids,
        rawTokens,
        tokens: ids.map((id, i) => label(id, rawTokens[i], special[i])),
        special,
        specialsBefore: before,
        specialsAfter: after,
      };
    },
  };
}
