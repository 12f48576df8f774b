import type { SentenceFailure } from './modelTypes.ts';
import type { SentenceTokenizer } from './sentenceTokenizer.ts';

/** A sentence ready for the graph: ids to feed, and which of their columns the matrix keeps. */
export interface PreparedSentence {
  readonly ids: readonly number[];
  readonly tokenIds: readonly number[];
  /** Labels of the kept columns. */
  readonly tokens: readonly string[];
  /** Positions in `ids` whose hidden states go into the matrix. */
  readonly columns: readonly number[];
  readonly truncated: boolean;
}

export interface PreparationRules {
  /** The longest sequence the model accepts, special tokens included; null = unbounded. */
  readonly maxTokens: number | null;
  readonly truncate: boolean;
  readonly dropSpecialTokens: boolean;
  /** Embedding rows; an id at or past this would read outside the table. */
  readonly vocabSize: number | null;
}

function failure(reason: string): SentenceFailure {
  return { ok: false, reason };
}

/**
 * Tokenises one sentence and applies the length limit. Truncation, like Hugging Face's, cuts the
 * sentence's own tokens and keeps the special tokens around them.
 */
export function prepareSentence(text: string, tokenizer: SentenceTokenizer, rules: PreparationRules): PreparedSentence | SentenceFailure {
  const encoded = tokenizer.encode(text);
  const before = encoded.specialsBefore;
  const after = encoded.specialsAfter;
  const contentLength = encoded.ids.length - before - after;
  if (contentLength === 0) return failure('the sentence gives no tokens after tokenisation (empty, or only characters the tokenizer drops)');

  let keep = contentLength;
  let truncated = false;
  if (rules.maxTokens !== null && encoded.ids.length > rules.maxTokens) {
    if (!rules.truncate) {
      return failure(`the sentence has ${encoded.ids.length} tokens but the model takes at most ${rules.maxTokens}; shorten it, or cut it with --truncate (modelOptions.truncate in a study)`);
    }
    keep = rules.maxTokens - before - after;
    if (keep <= 0) return failure(`the model's limit of ${rules.maxTokens} tokens leaves no room beside its ${before + after} special tokens`);
    truncated = true;
  }
  const positions = [
    ...Array.from({ length: before }, (_, i) => i),
    ...Array.from({ length: keep }, (_, i) => before + i),
    ...Array.from({ length: after }, (_, i) => before + contentLength + i),
  ];
  const ids = positions.map((p) => encoded.ids[p]);
  const vocabSize = rules.vocabSize;
  if (vocabSize !== null) {
    const outside = ids.find((id) => id >= vocabSize);
    if (outside !== undefined) return failure(`token id ${outside} is outside the model's ${vocabSize}-row embedding`);
  }
  const columns = positions.map((_, i) => i).filter((i) => !(rules.dropSpecialTokens && encoded.special[positions[i]]));
  return {
    ids,
    tokenIds: columns.map((c) => ids[c]),
    tokens: columns.map((c) => encoded.tokens[positions[c]]),
    columns,
    truncated,
  };
}
