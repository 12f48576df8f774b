import { dtiFields } from '../math/dti.ts';
import type { DtiParams } from '../math/dtiTypes.ts';
import { angularDistance, blockInfluence, firstScoredBlock } from '../math/redundancy.ts';
import type { HiddenStateModel, ModelRunOptions, SentenceHiddenStates } from '../model/modelTypes.ts';
import { failedSentence, type ProcessedSentence, type QueuedSentence, type SentenceOutcome } from './sentenceOutcome.ts';

export interface AnalysisSettings {
  readonly dti: DtiParams;
  readonly includeEmbeddings: boolean;
  readonly fields: boolean;
  readonly modelOptions: ModelRunOptions;
}

/**
 * The stage every mode shares: a batch of sentences through the model, then the DTI math and
 * the redundancy baselines per sentence. One bad sentence becomes a FailedSentence; the batch goes on.
 */
export async function analyseSentences(
  model: HiddenStateModel,
  batch: readonly QueuedSentence[],
  settings: AnalysisSettings,
): Promise<SentenceOutcome[]> {
  const results = await model.run(
    batch.map((s) => s.text),
    settings.modelOptions,
  );
  return batch.map((sentence, i) => {
    const result = results[i];
    if (!result.ok) return failedSentence(sentence, result.reason);
    const short = tooFewTokens(result);
    if (short !== null) return failedSentence(sentence, short);
    try {
      return analyseHiddenStates(sentence, result, settings);
    } catch (err) {
      return failedSentence(sentence, `analysis failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}

export function analyseHiddenStates(
  sentence: QueuedSentence,
  result: SentenceHiddenStates,
  settings: AnalysisSettings,
): ProcessedSentence {
  const h = result.hidden;
  const bad = firstNonFinite(h.data);
  if (bad >= 0) {
    // A NaN would poison every statistic it is folded into; the sentence fails on its own instead.
    const layer = Math.floor(bad / (h.tokens * h.hidden));
    const token = Math.floor(bad / h.hidden) % h.tokens;
    throw new Error(`the model's hidden states hold ${h.data[bad]} (array ${layer}, token ${token})`);
  }
  const fields = dtiFields(h, settings.dti, { includeEmbeddings: settings.includeEmbeddings });
  const layers = fields.utilisation.length;
  const tokens = fields.anisotropy.cols;
  const firstLayer = h.includesEmbedding && settings.includeEmbeddings ? 0 : 1;
  const meanAnisotropy = new Array<number>(layers);
  for (let l = 0; l < layers; l++) {
    let sum = 0;
    for (let t = 0; t < tokens; t++) sum += fields.anisotropy.data[l * tokens + t];
    meanAnisotropy[l] = sum / tokens;
  }
  return {
    kind: 'processed',
    id: sentence.id,
    domain: sentence.domain,
    tokens: [...result.tokens],
    truncated: result.truncated,
    firstLayer,
    utilisation: Array.from(fields.utilisation),
    meanAnisotropy,
    blockInfluence: alignToLayers(blockInfluence(h), firstScoredBlock(h), firstLayer, layers),
    angularDistance: alignToLayers(angularDistance(h), firstScoredBlock(h), firstLayer, layers),
    fields: settings.fields ? { anisotropy: Array.from(fields.anisotropy.data), angle: Array.from(fields.angle.data) } : undefined,
  };
}

/** The fewest token columns the flow field can be measured over. */
const MIN_TOKENS = 2;

/**
 * A single token column has no gradient along the sentence (SPEC §3: length-1 axis = 0), so its
 * utilisation is 0 in every layer whatever the model does: a row of zeros that would pull every
 * layer towards "prunable". Such a sentence fails by name instead.
 */
export function tooFewTokens(result: SentenceHiddenStates): string | null {
  const n = result.hidden.tokens;
  if (n >= MIN_TOKENS) return null;
  const which = result.tokens.length > 0 ? ` (${result.tokens.map((t) => JSON.stringify(t)).join(' ')})` : '';
  return `the sentence gives ${n} token${n === 1 ? '' : 's'}${which} but the flow field needs at least ${MIN_TOKENS} (one token has no change along the sentence to measure); leave one-token lines out, or keep the special tokens (dropSpecialTokens: false) if the model has them`;
}

/** Places block scores (entry 0 = block `firstBlock`) on the layer axis that starts at `firstLayer`. */
function alignToLayers(scores: Float64Array, firstBlock: number, firstLayer: number, layers: number): number[] {
  const out = new Array<number>(layers).fill(Number.NaN);
  for (let i = 0; i < scores.length; i++) {
    const idx = firstBlock + i - firstLayer;
    if (idx >= 0 && idx < layers) out[idx] = scores[i];
  }
  return out;
}

function firstNonFinite(data: Float32Array | Float64Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
