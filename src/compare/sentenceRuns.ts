import { dtiFields } from '../math/dti.ts';
import type { DtiFields, DtiParams } from '../math/dtiTypes.ts';
import type { HiddenStateModel } from '../model/modelTypes.ts';
import { tooFewTokens } from '../pipeline/sentenceAnalysis.ts';
import { UserError } from '../userError.ts';

/** One sentence through one model, ready to draw and compare. */
export interface SentenceRun {
  readonly sentence: string;
  /** Cleaned token strings, one per matrix column. */
  readonly tokens: readonly string[];
  readonly fields: DtiFields;
  /** Layer number of matrix row 0: 0 when the embedding output is kept, else 1. */
  readonly firstLayer: number;
  readonly truncated: boolean;
}

export interface SentenceRunOptions {
  readonly params: DtiParams;
  readonly includeEmbeddings: boolean;
  readonly dropSpecialTokens?: boolean;
  readonly truncate?: boolean;
}

/**
 * Runs the sentences through an open model and computes their DTI fields, in input order. A
 * sentence the model refuses is the user's problem: the error names it and the model.
 */
export async function runSentences(model: HiddenStateModel, sentences: readonly string[], opts: SentenceRunOptions): Promise<SentenceRun[]> {
  const results = await model.run(sentences, { dropSpecialTokens: opts.dropSpecialTokens, truncate: opts.truncate });
  return results.map((result, i) => {
    const sentence = sentences[i];
    if (!result.ok) throw new UserError(`${model.info.dir}: sentence ${JSON.stringify(sentence.slice(0, 60))}: ${result.reason}`);
    // The same rule as a study: a one-token matrix would show utilisation 0 in every layer.
    const short = tooFewTokens(result);
    if (short !== null) throw new UserError(`${model.info.dir}: sentence ${JSON.stringify(sentence.slice(0, 60))}: ${short}`);
    return {
      sentence,
      tokens: result.tokens,
      fields: dtiFields(result.hidden, opts.params, { includeEmbeddings: opts.includeEmbeddings }),
      firstLayer: result.hidden.includesEmbedding && opts.includeEmbeddings ? 0 : 1,
      truncated: result.truncated,
    };
  });
}
